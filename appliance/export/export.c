/* SPDX-License-Identifier: MIT */
/* The export pipeline, from inputs to a verified package on the medium. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
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

/* One de-identified instance handed over by the batch, in input order. */
struct handed {
	size_t index;            /* the input's */
	char *path;              /* its file in the stage (owned; the file set borrows it) */
};

/* Everything one export needs between its steps. */
struct job {
	const struct pdg_export_opts *o;
	struct pdg_export_result *r;
	struct pdg_home_config cfg;
	struct pdg_project proj;
	char stage[4096];        /* state/export/<PKG>: de-identified copies, file set */
	char deid_dir[4200], set_dir[4200];
	char date[16];           /* the export's UTC date, YYYY-MM-DD */
	struct pdg_zip_opts zo;  /* the same date for the ZIP entries */
	struct pdg_fileset_opts fo;
	struct pdg_seal *seal;
	struct pdg_xpipe *pipe;  /* to the writer thread */
	struct pdg_xpipe *hpipe; /* to the hash thread */
	struct pdg_reaper *reaper; /* removes staged files once sealed */
	struct pdg_segw w;       /* the segments being written */
	int segw_opened;         /* w needs pdg_segw_release */
	/*
	 * The zip thread: takes the handed-over instances in input order (queue[taken..queued)),
	 * gives each its File ID and streams it into the ZIP, and at the end adds the DICOMDIR
	 * and the texts. Guarded by lock: queued, taken, ended, aborted, zip_done, zip_rc/err.
	 */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct handed *queue;    /* one slot per input */
	size_t queued, taken;
	int ended, aborted, zip_done, zip_running;
	pthread_t zip_thread;
	enum pdg_code zip_rc;
	struct pdg_err zip_err;
	struct pdg_fileset *fs;
	struct pdg_zip *zip;
	_Atomic uint64_t zipped; /* plaintext bytes sealed so far (for progress) */
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

/* The ZIP streams into the two age layers (on the zip thread: progress is the main thread's). */
static enum pdg_code to_seal(void *arg, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	struct job *j = arg;

	atomic_fetch_add(&j->zipped, len);
	return pdg_seal_write(j->seal, buf, len, err);
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

/* On the hash thread: the ciphertext's SHA-256, then on to the writer thread. */
static enum pdg_code hash_then_write(void *ctx, const uint8_t *buf, size_t len,
				     struct pdg_err *err)
{
	struct job *j = ctx;
	enum pdg_code rc;

	pdg_xs_enter(&j->r->hash_times, PDG_XS_HASH);
	rc = pdg_segw_hash(&j->w, buf, len, err);
	pdg_xs_leave(&j->r->hash_times);
	return rc ? rc : pdg_xpipe_write(j->pipe, buf, len, err);
}

/*
 * On the zip thread: open the way to the medium (segments, writer and hash threads, the two
 * age layers, whose scrypt header costs this thread, not the batch) and the file set and ZIP
 * the instances go into.
 */
static enum pdg_code open_stream(struct job *j, struct pdg_err *err)
{
	const char *rcpt[PDG_MAX_RECIPIENTS];
	char pass[PDG_TOKEN_SECRET_CHARS + 1];
	enum pdg_code rc;

	for (size_t i = 0; i < j->proj.nrecipients; i++)
		rcpt[i] = j->proj.recipients[i];
	j->segw_opened = 1;
	if ((rc = pdg_segw_open(&j->w, j->o->medium, j->r->token.pkgid, j->o->segment_size, err)))
		return rc;
	pdg_xs_start(&j->r->io_times);
	pdg_xs_start(&j->r->hash_times);
	j->w.xs = &j->r->io_times;
	rc = pdg_xpipe_start(&j->pipe, pdg_segw_write, &j->w, "pdg-write", err);
	if (!rc)
		rc = pdg_xpipe_start(&j->hpipe, hash_then_write, j, "pdg-sha256", err);
	if (!rc) {
		pdg_token_secret_text(j->r->token.secret, pass);
		rc = pdg_seal_open(&j->seal, pass, rcpt, j->proj.nrecipients, pdg_xpipe_write,
				   j->hpipe, &j->r->zip_times, &j->r->seal_times, err);
		explicit_bzero(pass, sizeof(pass));
	}
	if (!rc)
		rc = pdg_fileset_begin(&j->fs, j->set_dir, &j->fo, err);
	if (!rc)
		rc = pdg_zip_open(&j->zip, &j->zo, to_seal, j, err);
	return rc;
}

/*
 * On the zip thread: the instance's File ID (the next in input order), then its ZIP entry
 * straight from the batch's file, which the reaper then removes (unless the file set had to
 * keep a link to it: keys without their key dataset, no hash).
 */
static enum pdg_code add_instance(struct job *j, const struct handed *h, struct pdg_err *err)
{
	const struct pdg_batch_output *out = &j->r->batch.outputs[h->index];
	const struct pdg_dicomdir_keys *k = out->keys.sop_instance_uid[0] ? &out->keys : NULL;
	struct pdg_fileset_hash sha = { .size = out->size };
	char file_id[PDG_DICOMDIR_FILE_ID_MAX];
	enum pdg_code rc;

	memcpy(sha.sha256, out->sha256, sizeof(sha.sha256));
	pdg_xs_enter(&j->r->zip_times, PDG_XS_FILESET);
	rc = pdg_fileset_add(j->fs, h->path, k, k ? &sha : NULL, file_id, err);
	pdg_xs_leave(&j->r->zip_times);
	if (rc)
		return rc;
	pdg_xs_enter(&j->r->zip_times, PDG_XS_ZIP);
	rc = pdg_zip_add(j->zip, file_id, h->path, err);
	pdg_xs_leave(&j->r->zip_times);
	return rc;
}

/* On the zip thread, after the last instance: DICOMDIR and texts, their entries, the end. */
static enum pdg_code finish_zip(struct job *j, struct pdg_err *err)
{
	enum pdg_code rc;

	pdg_xs_enter(&j->r->zip_times, PDG_XS_FILESET);
	rc = pdg_fileset_end(j->fs, &j->r->counts, err);
	pdg_xs_leave(&j->r->zip_times);
	if (rc)
		return rc;
	if (j->r->counts.instances != j->r->batch.exported)
		return pdg_err_set(err, PDG_E_INTERNAL, "consistency check failed: %zu instances "
				   "in the file set, %zu exported", j->r->counts.instances,
				   j->r->batch.exported);
	pdg_xs_enter(&j->r->zip_times, PDG_XS_ZIP);
	rc = pdg_zip_add_tree(j->zip, j->set_dir, "DICOM/", err);
	if (!rc)
		rc = pdg_zip_close(j->zip, NULL, err);
	pdg_xs_leave(&j->r->zip_times);
	return rc;
}

/* The zip thread (started by start_stream, ended by end_stream or stop_stream). */
static void *zip_main(void *arg)
{
	struct job *j = arg;
	struct pdg_err err = { 0 };
	enum pdg_code rc;

	pdg_xs_start(&j->r->zip_times);
	rc = open_stream(j, &err);
	for (;;) {
		struct handed h;

		pdg_xs_enter(&j->r->zip_times, PDG_XS_IDLE);
		pthread_mutex_lock(&j->lock);
		while (!rc && j->taken == j->queued && !j->ended && !j->aborted)
			pthread_cond_wait(&j->cond, &j->lock);
		if (rc || j->aborted || (j->taken == j->queued && j->ended)) {
			pthread_mutex_unlock(&j->lock);
			pdg_xs_leave(&j->r->zip_times);
			break;
		}
		h = j->queue[j->taken++];
		pthread_mutex_unlock(&j->lock);
		pdg_xs_leave(&j->r->zip_times);
		rc = add_instance(j, &h, &err);
	}
	if (!rc) {
		int aborted;

		pthread_mutex_lock(&j->lock);
		aborted = j->aborted;
		pthread_mutex_unlock(&j->lock);
		/* aborted by on_ready (else nobody reads the error: stop_stream) */
		rc = aborted ? pdg_err_set(&err, PDG_E_NOMEM, "out of memory handing over a file")
			     : finish_zip(j, &err);
	}
	pdg_xs_stop(&j->r->zip_times);
	pthread_mutex_lock(&j->lock);
	j->zip_rc = rc;
	j->zip_err = err;
	j->zip_done = 1;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

/*
 * The batch hands over an instance (main thread, in input order). Once the zip thread has
 * failed (it ends early only then), the batch is stopped: its work would be thrown away.
 */
static int on_ready(void *arg, size_t index, const char *path)
{
	struct job *j = arg;
	char *copy;
	int failed;

	pthread_mutex_lock(&j->lock);
	failed = j->zip_done || j->aborted;
	pthread_mutex_unlock(&j->lock);
	if (failed || !path)
		return failed; /* failed, or not exported */
	copy = strdup(path);
	pthread_mutex_lock(&j->lock);
	if (!copy || j->queued >= j->r->batch.in.n) {
		free(copy);
		j->aborted = 1; /* out of memory: the export fails (stop_stream) */
	} else {
		j->queue[j->queued++] = (struct handed){ index, copy };
	}
	failed = j->aborted;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
	return failed;
}

/*
 * The batch's workers run (forked by its fork server): from now on threads may run. Start
 * the reaper and the zip thread, which starts the sealing threads.
 */
static enum pdg_code start_stream(void *arg, struct pdg_err *err)
{
	struct job *j = arg;
	enum pdg_code rc;
	int e;

	if (!(j->queue = calloc(j->r->batch.in.n + 1, sizeof(*j->queue))))
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	if ((rc = pdg_reaper_start(&j->reaper, err)))
		return rc;
	j->zo.entry_done_arg = j->reaper;
	if ((e = pthread_create(&j->zip_thread, NULL, zip_main, j))) {
		errno = e;
		return pdg_err_sys(err, PDG_E_IO, "cannot start the zip thread");
	}
	j->zip_running = 1;
	return PDG_OK;
}

/*
 * After the batch: no more instances. Wait for the zip thread (reporting the sealing progress:
 * ZIP bytes against the exported bytes) and take its result.
 */
static enum pdg_code end_stream(struct job *j, struct pdg_err *err)
{
	uint64_t total = 0;
	enum pdg_code rc;

	for (size_t i = 0; i < j->r->batch.in.n; i++)
		if (j->r->batch.in.v[i].outcome == PDG_OUTCOME_EXPORTED)
			total += j->r->batch.outputs[i].size;
	pdg_xs_enter(&j->r->times, PDG_XS_STREAM);
	pthread_mutex_lock(&j->lock);
	j->ended = 1;
	pthread_cond_broadcast(&j->cond);
	while (!j->zip_done) {
		uint64_t done = atomic_load(&j->zipped);
		struct timespec ts;

		pthread_mutex_unlock(&j->lock);
		progress(j, "sealing", done < total ? done : total, total);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200000000L;
		if (ts.tv_nsec >= 1000000000L)
			ts.tv_sec++, ts.tv_nsec -= 1000000000L;
		pthread_mutex_lock(&j->lock);
		if (!j->zip_done)
			pthread_cond_timedwait(&j->cond, &j->lock, &ts);
	}
	rc = j->zip_rc;
	if (rc)
		*err = j->zip_err;
	pthread_mutex_unlock(&j->lock);
	pthread_join(j->zip_thread, NULL);
	j->zip_running = 0;
	pdg_xs_leave(&j->r->times);
	if (!rc)
		progress(j, "sealing", total, total);
	return rc;
}

/* Give up: end the zip thread, whatever it was doing. */
static void stop_stream(struct job *j)
{
	if (!j->zip_running)
		return;
	pthread_mutex_lock(&j->lock);
	j->aborted = 1;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
	pthread_join(j->zip_thread, NULL);
	j->zip_running = 0;
}

/*
 * De-identify the inputs; each instance, as soon as it and every input before it are done,
 * goes to the zip thread (on_ready) while the workers go on with the next ones.
 */
static enum pdg_code deidentify(struct job *j, const char *const *inputs, size_t n,
				struct pdg_err *err)
{
	/* the stage needs no durability: a killed export's stage is removed by the next one */
	struct pdg_batch_opts bo = { .out_dir = j->deid_dir, .jobs = j->o->jobs, .no_flush = 1,
				     .progress = batch_progress, .progress_arg = j,
				     .keep_keys = 1, /* for the file set */
				     .started = start_stream, .ready = on_ready, .stream_arg = j };
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
	if (!rc && !j->r->batch.exported)
		rc = pdg_err_set(err, PDG_E_POLICY, "nothing to export: no input could be "
						    "de-identified");
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

/* End the sealing threads if they still run (abandoning what is queued). */
static void stop_seal(struct job *j)
{
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
	j->w.xs = &j->r->times;
}

/*
 * After the zip thread: the last chunks of both layers, then wait for the hash and the writer
 * threads to take everything, and end them.
 */
static enum pdg_code finish_seal(struct job *j, struct pdg_err *err)
{
	enum pdg_code rc = pdg_seal_finish(j->seal, err);

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
	stop_seal(j);
	return rc;
}

/* README.TXT, the last segment read back and named, then the signed manifest. */
static enum pdg_code publish_package(struct job *j, struct pdg_err *err)
{
	char *man = NULL;
	size_t man_len;
	enum pdg_code rc;

	rc = pdg_export_write_readme(j->o->medium, err);
	if (!rc) {
		progress(j, "verifying", 0, 1);
		rc = pdg_segw_finish(&j->w, err);
		j->r->readback_busy = j->w.readback_busy;
	}
	pdg_xs_enter(&j->r->times, PDG_XS_PUBLISH);
	if (!rc) {
		fill_manifest(j, &j->w);
		rc = j->r->manifest.segments ? pdg_medium_manifest_format(&j->r->manifest, &man,
									  &man_len, err)
					     : pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	}
	if (!rc)
		rc = pdg_segw_publish(&j->w, man, man_len, sign_manifest, j, j->o->medium, err);
	if (!rc)
		j->r->written = 1;
	pdg_xs_leave(&j->r->times);
	free(man);
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
	pthread_mutex_init(&j.lock, NULL);
	pthread_cond_init(&j.cond, NULL);
	gmtime_r(&now, &tm);
	strftime(j.date, sizeof(j.date), "%Y-%m-%d", &tm);
	j.zo = (struct pdg_zip_opts){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				      .entry_done = pdg_reaper_add };
	if ((rc = check_setup(&j, err)) || (rc = pdg_token_new(&r->token, err)) ||
	    (rc = make_stage(&j, err)))
		goto out;
	j.fo = (struct pdg_fileset_opts){
		.site_name = j.cfg.site,
		.package_id = r->token.pkgid,
		.deid_profile = r->profile,
		.deid_profile_version = PDG_VERSION,
		.created = j.date,
		.flags = PDG_FILESET_STREAMED,
	};
	/*
	 * Threads start only once the batch's workers run (start_stream): they are forked, by a
	 * fork server forked before any thread, since a fork copies just the calling thread, with
	 * whatever locks the others held at that moment.
	 */
	rc = deidentify(&j, inputs, ninputs, err);
	if (rc && j.zip_running) {
		/* the zip thread's failure stops the batch: its error is the one to report */
		pthread_mutex_lock(&j.lock);
		if (j.zip_done && j.zip_rc) {
			rc = j.zip_rc;
			*err = j.zip_err;
		}
		pthread_mutex_unlock(&j.lock);
	}
	if (!rc && !j.zip_running)
		rc = pdg_err_set(err, PDG_E_INTERNAL, "the zip thread did not start");
	if (!rc)
		rc = end_stream(&j, err);
	if (!rc)
		rc = finish_seal(&j, err);
	if (!rc)
		rc = publish_package(&j, err);
out:
	stop_stream(&j);
	stop_seal(&j);
	pdg_zip_free(j.zip);
	pdg_fileset_free(j.fs);
	if (j.segw_opened)
		pdg_segw_release(&j.w);
	pdg_project_wipe(&j.proj);
	for (size_t i = 0; j.queue && i < j.queued; i++)
		free(j.queue[i].path);
	free(j.queue);
	/* the staging copies are de-identified, but nothing is left lying about */
	pdg_xs_enter(&r->times, PDG_XS_CLEANUP);
	pdg_reaper_stop(j.reaper);
	if (j.stage[0] && pdg_pdi_tree_remove(j.stage, &ignored))
		pdg_err_clear(&ignored); /* best effort: the next export reuses no stage */
	pdg_xs_leave(&r->times);
	pdg_xs_stop(&r->times);
	pthread_cond_destroy(&j.cond);
	pthread_mutex_destroy(&j.lock);
	return rc;
}

void pdg_export_release(struct pdg_export_result *r)
{
	pdg_batch_release(&r->batch);
	pdg_medium_manifest_release(&r->manifest);
	pdg_token_wipe(&r->token);
}
