/* SPDX-License-Identifier: MIT */
/* The export pipeline, from inputs to a verified package on the medium. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "appliance/deid/deid.h"
#include "appliance/deid/profile.h"
#include "appliance/export/export.h"
#include "appliance/export/pipe.h"
#include "appliance/export/reaper.h"
#include "appliance/export/seal.h"
#include "appliance/export/segments.h"
#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"
#include "lib/crypto/signify.h"
#include "lib/version.h"
#include "pdi/tree.h"
#include "pdi/zip.h"

/* Everything one export needs between its steps. */
struct job {
	const struct pdg_export_opts *o;
	struct pdg_export_result *r;
	struct pdg_home_config cfg;
	struct pdg_project proj;
	char stage[4096];        /* state/export/<PKG>: de-identified copies, file set, ZIP */
	char deid_dir[4200], set_dir[4200];
	char **files;            /* de-identified instances, in input order */
	size_t nfiles;
	char (*file_ids)[PDG_DICOMDIR_FILE_ID_MAX]; /* of files[i] */
	char date[16];           /* the export's UTC date, YYYY-MM-DD */
	struct pdg_zip_opts zo;  /* the same date for the ZIP entries */
	struct pdg_seal *seal;
	struct pdg_xpipe *pipe;  /* to the writer thread */
	struct pdg_xpipe *hpipe; /* to the hash thread */
	struct pdg_reaper *reaper; /* removes staged files once sealed */
	struct pdg_segw *segw;   /* the segments being written (while streaming) */
};

static void progress(const struct job *j, const char *stage, uint64_t done, uint64_t total)
{
	if (j->o->progress)
		j->o->progress(j->o->progress_arg, stage, done, total);
}

static void batch_progress(void *arg, size_t finished, size_t total)
{
	progress(arg, "de-identifying", finished, total);
}

/* The ZIP streams into the two age layers; progress counts ZIP bytes against the file set. */
static enum pdg_code to_seal(void *arg, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	struct job *j = arg;
	uint64_t total = j->r->counts.bytes, done;
	enum pdg_code rc = pdg_seal_write(j->seal, buf, len, err);

	done = pdg_seal_bytes(j->seal);
	progress(j, "sealing", done < total ? done : total, total);
	return rc;
}

static enum pdg_code mkdir_p700(const char *path, struct pdg_err *err)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", path);
	return PDG_OK;
}

/*
 * One export at a time per home: the lock is held until the process ends, so an export
 * killed mid-way releases it, and the next one removes the stage it left behind.
 */
static enum pdg_code lock_and_sweep(const char *parent, struct pdg_err *err)
{
	char lock[4200];
	struct pdg_err ignored;
	struct dirent *e;
	DIR *d;
	int fd;

	snprintf(lock, sizeof(lock), "%s/.lock", parent);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", lock);
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return pdg_err_set(err, PDG_E_POLICY, "another export is running on this appliance");
	}
	/* fd stays open (and locked) for the life of the process */
	d = opendir(parent);
	while (d && (e = readdir(d))) {
		char stale[4400];

		if (e->d_name[0] == '.')
			continue;
		snprintf(stale, sizeof(stale), "%s/%s", parent, e->d_name);
		if (pdg_pdi_tree_remove(stale, &ignored))
			pdg_err_clear(&ignored);
	}
	if (d)
		closedir(d);
	return PDG_OK;
}

/* The private staging folder <home>/state/export/<PKG>, on the appliance's own disk. */
static enum pdg_code make_stage(struct job *j, struct pdg_err *err)
{
	char parent[4096];
	enum pdg_code rc;

	snprintf(parent, sizeof(parent), "%s/" PDG_HOME_STATE "/export", j->o->home);
	if ((rc = mkdir_p700(parent, err)) || (rc = lock_and_sweep(parent, err)))
		return rc;
	if ((rc = pdg_path_join(j->stage, sizeof(j->stage), parent, j->r->token.pkgid, err)))
		return rc;
	if (mkdir(j->stage, 0700))
		return pdg_err_sys(err, PDG_E_IO, "cannot create the staging folder '%s'", j->stage);
	snprintf(j->deid_dir, sizeof(j->deid_dir), "%s/deid", j->stage);
	snprintf(j->set_dir, sizeof(j->set_dir), "%s/set", j->stage);
	return PDG_OK;
}

/* Quarantined originals stay on the appliance, under state/quarantine/<PKG>. */
static enum pdg_code keep_quarantine(struct job *j, struct pdg_err *err)
{
	char from[4300], parent[4096];
	enum pdg_code rc;

	if (!j->r->batch.quarantined && !j->r->batch.skipped)
		return PDG_OK;
	snprintf(from, sizeof(from), "%s/" PDG_BATCH_QUARANTINE, j->deid_dir);
	snprintf(parent, sizeof(parent), "%s/" PDG_HOME_STATE "/quarantine", j->o->home);
	if ((rc = mkdir_p700(parent, err)))
		return rc;
	if ((rc = pdg_path_join(j->r->quarantine_dir, sizeof(j->r->quarantine_dir), parent,
				j->r->token.pkgid, err)))
		return rc;
	if (rename(from, j->r->quarantine_dir) && errno != ENOENT)
		return pdg_err_sys(err, PDG_E_IO, "cannot keep the quarantined files");
	return PDG_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The de-identified instances: E*.dcm in the batch's output folder, sorted. */
static enum pdg_code list_outputs(struct job *j, struct pdg_err *err)
{
	DIR *d = opendir(j->deid_dir);
	struct dirent *e;
	size_t cap = 0;

	if (!d)
		return pdg_err_sys(err, PDG_E_IO, "cannot read the staging folder");
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char **grown;

		if (e->d_name[0] != 'E' || n < 5 || strcmp(e->d_name + n - 4, ".dcm"))
			continue;
		if (j->nfiles == cap) {
			cap = cap ? 2 * cap : 256;
			grown = realloc(j->files, cap * sizeof(*j->files));
			if (!grown)
				goto nomem;
			j->files = grown;
		}
		if (asprintf(&j->files[j->nfiles], "%s/%s", j->deid_dir, e->d_name) < 0)
			goto nomem;
		j->nfiles++;
	}
	closedir(d);
	if (j->nfiles)
		qsort(j->files, j->nfiles, sizeof(*j->files), cmp_str);
	return PDG_OK;
nomem:
	closedir(d);
	return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
}

static enum pdg_code deidentify(struct job *j, const char *const *inputs, size_t n,
				struct pdg_err *err)
{
	/* the stage needs no durability: a killed export's stage is removed by the next one */
	struct pdg_batch_opts bo = { .out_dir = j->deid_dir, .jobs = j->o->jobs, .no_flush = 1,
				     .progress = batch_progress, .progress_arg = j,
				     .keep_keys = 1 /* for build_fileset */ };
	struct pdg_deid_ctx ctx = { 0 };
	enum pdg_code rc;

	rc = pdg_deid_ctx_init(&ctx, &j->proj, err);
	if (!rc)
		rc = pdg_deid_ctx_set_batch(&ctx, j->o->batch_id ? j->o->batch_id
								 : j->r->token.pkgid, err);
	if (!rc)
		snprintf(j->r->profile, sizeof(j->r->profile), "%s", ctx.profile->id);
	for (size_t i = 0; !rc && i < n; i++)
		rc = pdg_inputs_add(&j->r->batch.in, inputs[i], i + 1, err);
	if (!rc && !j->r->batch.in.n)
		rc = pdg_err_set(err, PDG_E_NOTFOUND, "no files found in the inputs");
	pdg_xs_enter(&j->r->times, PDG_XS_DEID);
	if (!rc)
		rc = pdg_batch_run(&j->r->batch, &ctx, &bo, err);
	pdg_xs_leave(&j->r->times);
	if (!rc) {
		size_t stored;

		snprintf(j->r->manifest.profile_title, sizeof(j->r->manifest.profile_title), "%s",
			 ctx.profile->title);
		pdg_xs_enter(&j->r->times, PDG_XS_LINKS);
		rc = pdg_batch_store_links(&j->r->batch, j->o->home, j->o->project, &stored, err);
		pdg_xs_leave(&j->r->times);
	}
	pdg_deid_ctx_release(&ctx);
	if (!rc)
		rc = keep_quarantine(j, err);
	if (!rc)
		rc = list_outputs(j, err);
	if (!rc && !j->nfiles)
		rc = pdg_err_set(err, PDG_E_POLICY, "nothing to export: no input could be "
						    "de-identified");
	return rc;
}

/*
 * The directory keys and hash the batch kept for the de-identified file path (Ennnnnn.dcm is
 * input n): *k points into the batch's outputs (valid while it lives); NULL when missing
 * (the file set then reads the file).
 */
static const struct pdg_dicomdir_keys *kept_keys(const struct job *j, const char *path,
						 struct pdg_fileset_hash *sha)
{
	const struct pdg_batch *b = &j->r->batch;
	const char *name = strrchr(path, '/');
	char *end = NULL;
	unsigned long n;

	name = name ? name + 1 : path;
	n = name[0] == 'E' ? strtoul(name + 1, &end, 10) : 0;
	if (!b->outputs || !n || n > b->in.n || !end || strcmp(end, ".dcm") ||
	    !b->outputs[n - 1].keys.sop_instance_uid[0])
		return NULL;
	memcpy(sha->sha256, b->outputs[n - 1].sha256, 32);
	sha->size = b->outputs[n - 1].size;
	return &b->outputs[n - 1].keys;
}

/*
 * The IHE PDI file set in the stage (the instances are hard links to the de-identified files),
 * instances added in input order; j->file_ids receives their File IDs in that order.
 */
static enum pdg_code build_fileset(struct job *j, struct pdg_err *err)
{
	struct pdg_fileset_opts fo = {
		.site_name = j->cfg.site,
		.package_id = j->r->token.pkgid,
		.deid_profile = j->r->profile,
		.deid_profile_version = PDG_VERSION,
		.created = j->date,
	};
	struct pdg_fileset *fs = NULL;
	enum pdg_code rc;

	progress(j, "building", 0, 1);
	pdg_xs_enter(&j->r->times, PDG_XS_FILESET);
	if (!(j->file_ids = calloc(j->nfiles, sizeof(*j->file_ids))))
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	else
		rc = pdg_fileset_begin(&fs, j->set_dir, &fo, err);
	for (size_t i = 0; !rc && i < j->nfiles; i++) {
		struct pdg_fileset_hash sha;
		const struct pdg_dicomdir_keys *k = kept_keys(j, j->files[i], &sha);

		rc = pdg_fileset_add(fs, j->files[i], k, k ? &sha : NULL, j->file_ids[i], err);
	}
	if (!rc)
		rc = pdg_fileset_end(fs, &j->r->counts, err);
	pdg_fileset_free(fs);
	pdg_xs_leave(&j->r->times);
	progress(j, "building", 1, 1);
	/*
	 * The file set holds the instances now (hard links, or copies): drop the batch's names,
	 * so that the ZIP pass, removing each instance once it is sealed, leaves no dirty page of
	 * the stage for the kernel to write back.
	 */
	for (size_t i = 0; !rc && i < j->nfiles; i++)
		pdg_reaper_add(j->reaper, j->files[i]);
	return rc;
}

/* The ZIP: the instances in File ID assignment order, then the other files by path. */
static enum pdg_code zip_fileset(struct job *j, struct pdg_err *err)
{
	struct pdg_zip *z;
	enum pdg_code rc;

	if ((rc = pdg_zip_open(&z, &j->zo, to_seal, j, err)))
		return rc;
	for (size_t i = 0; !rc && i < j->nfiles; i++) {
		char path[4300];

		snprintf(path, sizeof(path), "%s/%s", j->set_dir, j->file_ids[i]);
		rc = pdg_zip_add(z, j->file_ids[i], path, err);
	}
	if (!rc)
		rc = pdg_zip_add_tree(z, j->set_dir, "DICOM/", err);
	if (!rc)
		rc = pdg_zip_close(z, NULL, err);
	pdg_zip_free(z);
	return rc;
}

/* Sign the manifest file with the appliance key (signify format). */
static enum pdg_code sign_manifest(void *ctx, const char *man_path, const char *sig_path,
				   struct pdg_err *err)
{
	const struct job *j = ctx;
	char sec[4200];

	snprintf(sec, sizeof(sec), "%s/" PDG_HOME_SIGNING_SEC, j->o->home);
	return pdg_signify_sign_file(sec, man_path, sig_path, "verify with the appliance's "
			"public key (pdigate keys)", err);
}

static void fill_manifest(struct job *j, const struct pdg_segw *w)
{
	struct pdg_medium_manifest *m = &j->r->manifest;
	uint8_t h[PDG_TOKEN_HASH_BYTES];
	struct pdg_err ignored;
	time_t now = time(NULL);
	struct tm tm;

	snprintf(m->format, sizeof(m->format), "%s", PDG_MEDIUM_FORMAT);
	snprintf(m->package_id, sizeof(m->package_id), "%s", j->r->token.pkgid);
	snprintf(m->appliance_id, sizeof(m->appliance_id), "%s", j->cfg.appliance_id);
	snprintf(m->site, sizeof(m->site), "%s", j->cfg.site);
	snprintf(m->project, sizeof(m->project), "%s", j->o->project);
	gmtime_r(&now, &tm);
	strftime(m->created_at, sizeof(m->created_at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(m->medium_serial, sizeof(m->medium_serial), "%s",
		 j->o->medium_serial ? j->o->medium_serial : "folder");
	for (size_t i = 0; i < j->proj.nrecipients && i < PDG_ARRAY_SIZE(m->recipients); i++)
		snprintf(m->recipients[m->nrecipients++], sizeof(m->recipients[0]), "%s",
			 j->proj.recipients[i]);
	if (pdg_token_secret_hash(j->r->token.secret, h, &ignored) == PDG_OK)
		pdg_sha256_hex(m->release_secret_sha256, h);
	m->nsegments = w->nseg;
	m->segments = calloc(w->nseg, sizeof(*m->segments));
	if (m->segments)
		memcpy(m->segments, w->seg, w->nseg * sizeof(*m->segments));
	m->ciphertext_size = w->total;
	snprintf(m->ciphertext_sha256, sizeof(m->ciphertext_sha256), "%s", w->all_sha256);
	m->patients = j->r->counts.patients;
	m->studies = j->r->counts.studies;
	m->series = j->r->counts.series;
	m->instances = j->r->counts.instances;
	m->instance_bytes = j->r->counts.bytes;
	m->quarantined = j->r->batch.quarantined;
	snprintf(m->profile, sizeof(m->profile), "%s", j->r->profile);
	snprintf(m->software, sizeof(m->software), "pdigate %s", PDG_VERSION);
}

/* On the hash thread: the ciphertext's SHA-256, then on to the writer thread. */
static enum pdg_code hash_then_write(void *ctx, const uint8_t *buf, size_t len,
				     struct pdg_err *err)
{
	struct job *j = ctx;
	enum pdg_code rc;

	pdg_xs_enter(&j->r->hash_times, PDG_XS_HASH);
	rc = pdg_segw_hash(j->segw, buf, len, err);
	pdg_xs_leave(&j->r->hash_times);
	return rc ? rc : pdg_xpipe_write(j->pipe, buf, len, err);
}

/*
 * file set → ZIP on this thread → inner age and outer age on a thread each (seal.h) → SHA-256
 * on the hash thread → segment writes on the writer thread (pipe.h) → read-back from the
 * device and comparison on another (segments.h), while the reaper removes what is sealed.
 * One pass, no staging copy of the ZIP or the ciphertext.
 */
static enum pdg_code stream_package(struct job *j, struct pdg_segw *w, struct pdg_err *err)
{
	const char *rcpt[PDG_MAX_RECIPIENTS];
	char pass[PDG_TOKEN_SECRET_CHARS + 1];
	enum pdg_code rc;

	for (size_t i = 0; i < j->proj.nrecipients; i++)
		rcpt[i] = j->proj.recipients[i];
	pdg_xs_start(&j->r->io_times);
	pdg_xs_start(&j->r->hash_times);
	w->xs = &j->r->io_times;
	j->segw = w;
	rc = pdg_xpipe_start(&j->pipe, pdg_segw_write, w, "pdg-write", err);
	if (!rc)
		rc = pdg_xpipe_start(&j->hpipe, hash_then_write, j, "pdg-sha256", err);
	if (!rc) {
		pdg_token_secret_text(j->r->token.secret, pass);
		rc = pdg_seal_open(&j->seal, pass, rcpt, j->proj.nrecipients, pdg_xpipe_write,
				   j->hpipe, &j->r->times, &j->r->seal_times, err);
		explicit_bzero(pass, sizeof(pass));
	}
	if (!rc) {
		pdg_xs_enter(&j->r->times, PDG_XS_ZIP);
		rc = zip_fileset(j, err);
		pdg_xs_leave(&j->r->times);
	}
	if (!rc)
		rc = pdg_seal_finish(j->seal, err);
	pdg_xs_enter(&j->r->times, PDG_XS_HASH);
	if (!rc)
		rc = pdg_xpipe_finish(j->hpipe, err);
	pdg_xs_leave(&j->r->times);
	pdg_xs_enter(&j->r->times, PDG_XS_WRITE);
	if (!rc)
		rc = pdg_xpipe_finish(j->pipe, err);
	pdg_xs_leave(&j->r->times);
	j->r->seal_waited = pdg_xpipe_waited(j->hpipe);
	j->r->hash_waited = pdg_xpipe_waited(j->pipe);
	/* each thread feeds the next: they end in that order */
	pdg_seal_free(j->seal);
	j->seal = NULL;
	pdg_xpipe_stop(j->hpipe);
	j->hpipe = NULL;
	/* the writer thread has ended (or is ended here) before w is used on this thread again */
	pdg_xpipe_stop(j->pipe);
	j->pipe = NULL;
	pdg_xs_stop(&j->r->io_times);
	pdg_xs_stop(&j->r->hash_times);
	w->xs = &j->r->times;
	return rc;
}

static enum pdg_code seal_to_medium(struct job *j, struct pdg_err *err)
{
	struct pdg_segw w;
	char *man = NULL;
	size_t man_len;
	enum pdg_code rc;

	rc = pdg_segw_open(&w, j->o->medium, j->r->token.pkgid, j->o->segment_size, err);
	if (!rc)
		rc = pdg_export_write_readme(j->o->medium, err);
	if (!rc)
		rc = stream_package(j, &w, err);
	if (!rc) {
		progress(j, "verifying", 0, 1);
		rc = pdg_segw_finish(&w, err);
		j->r->readback_busy = w.readback_busy;
	}
	pdg_xs_enter(&j->r->times, PDG_XS_PUBLISH);
	if (!rc) {
		fill_manifest(j, &w);
		rc = j->r->manifest.segments ? pdg_medium_manifest_format(&j->r->manifest, &man,
									  &man_len, err)
					     : pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	}
	if (!rc)
		rc = pdg_segw_publish(&w, man, man_len, sign_manifest, j, j->o->medium, err);
	if (!rc)
		j->r->written = 1;
	pdg_xs_leave(&j->r->times);
	free(man);
	pdg_segw_release(&w);
	return rc;
}

static enum pdg_code check_setup(struct job *j, struct pdg_err *err)
{
	char sec[4200];
	struct stat st;
	enum pdg_code rc;

	if ((rc = pdg_home_config_load(j->o->home, &j->cfg, err)) ||
	    (rc = pdg_project_load(j->o->home, j->o->project, &j->proj, err)))
		return rc;
	if (!j->proj.nrecipients)
		return pdg_err_set(err, PDG_E_POLICY, "project '%s' has no data-center recipient: "
				   "nobody could open its packages", j->o->project);
	snprintf(sec, sizeof(sec), "%s/" PDG_HOME_SIGNING_SEC, j->o->home);
	if (stat(sec, &st))
		return pdg_err_set(err, PDG_E_POLICY, "the appliance has no signing key "
				   "(keys/appliance.sec): run 'pdigate keys --generate'");
	if (stat(j->o->medium, &st) || !S_ISDIR(st.st_mode))
		return pdg_err_set(err, PDG_E_NOTFOUND, "the medium '%s' is not a mounted folder",
				   j->o->medium);
	return PDG_OK;
}

enum pdg_code pdg_export_run(const struct pdg_export_opts *o, const char *const *inputs,
			     size_t ninputs, struct pdg_export_result *r, struct pdg_err *err)
{
	struct job j = { .o = o, .r = r };
	struct pdg_err ignored;
	time_t now = time(NULL);
	struct tm tm;
	enum pdg_code rc;

	*r = (struct pdg_export_result){ 0 };
	pdg_xs_start(&r->times);
	pdg_batch_init(&r->batch, 0);
	gmtime_r(&now, &tm);
	strftime(j.date, sizeof(j.date), "%Y-%m-%d", &tm);
	j.zo = (struct pdg_zip_opts){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				      .entry_done = pdg_reaper_add };
	if ((rc = check_setup(&j, err)) || (rc = pdg_token_new(&r->token, err)) ||
	    (rc = make_stage(&j, err)))
		goto out;
	/*
	 * Threads start only after the batch: its workers are forked, and a fork copies just the
	 * calling thread, with whatever locks the others held at that moment.
	 */
	if ((rc = deidentify(&j, inputs, ninputs, err)) ||
	    (rc = pdg_reaper_start(&j.reaper, err)))
		goto out;
	j.zo.entry_done_arg = j.reaper;
	if ((rc = build_fileset(&j, err)) || (rc = seal_to_medium(&j, err)))
		goto out;
out:
	pdg_project_wipe(&j.proj);
	for (size_t i = 0; i < j.nfiles; i++)
		free(j.files[i]);
	free(j.files);
	free(j.file_ids);
	/* the staging copies are de-identified, but nothing is left lying about */
	pdg_xs_enter(&r->times, PDG_XS_CLEANUP);
	pdg_reaper_stop(j.reaper);
	if (j.stage[0] && pdg_pdi_tree_remove(j.stage, &ignored))
		pdg_err_clear(&ignored); /* best effort: the next export reuses no stage */
	pdg_xs_leave(&r->times);
	pdg_xs_stop(&r->times);
	return rc;
}

void pdg_export_release(struct pdg_export_result *r)
{
	pdg_batch_release(&r->batch);
	pdg_medium_manifest_release(&r->manifest);
	pdg_token_wipe(&r->token);
}
