/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for a whole batch run through the library: outcomes, output names, the reasons
 * list, link records, and a worker lost mid-file (killed at the per-file timeout) whose file
 * the parent quarantines by a byte copy, leaving no half-written output behind.
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "appliance/batch/batch.h"
#include "pdi/dicom/dcm.h"

static char root[PATH_MAX / 4];
static struct pdg_deid_ctx ctx;

/* A CT slice of size x size 16-bit pixels for patient pid, instance number n. */
static void write_ct(const char *path, const char *pid, unsigned n, unsigned size)
{
	static const uint16_t one = 1, sixteen = 16, twelve = 12, eleven = 11, zero = 0;
	struct pdg_dcm *dcm;
	struct pdg_dcm_item *ds;
	struct pdg_err err;
	char uid[64];
	uint16_t dim = (uint16_t)size;
	size_t bytes = (size_t)size * size * 2;
	uint8_t *px = calloc(1, bytes);

	assert_non_null(px);
	for (size_t i = 0; i < bytes; i++)
		px[i] = (uint8_t)(i * 7 + n);
	assert_int_equal(pdg_dcm_create(&dcm, &err), PDG_OK);
	ds = pdg_dcm_dataset(dcm);
	snprintf(uid, sizeof(uid), "2.25.4242.%u", n);
	assert_int_equal(pdg_dcm_put_string(ds, PDG_TAG(0x0008, 0x0016),
					    "1.2.840.10008.5.1.4.1.1.2", &err), PDG_OK);
	assert_int_equal(pdg_dcm_put_string(ds, PDG_TAG(0x0008, 0x0018), uid, &err), PDG_OK);
	assert_int_equal(pdg_dcm_put_string(ds, PDG_TAG(0x0008, 0x0060), "CT", &err), PDG_OK);
	assert_int_equal(pdg_dcm_put_string(ds, PDG_TAG(0x0010, 0x0010), "Doe^Jane", &err), PDG_OK);
	assert_int_equal(pdg_dcm_put_string(ds, PDG_TAG(0x0010, 0x0020), pid, &err), PDG_OK);
	assert_int_equal(pdg_dcm_put_string(ds, PDG_TAG(0x0020, 0x000d), "2.25.4242.1", &err),
			 PDG_OK);
	assert_int_equal(pdg_dcm_put_string(ds, PDG_TAG(0x0020, 0x000e), "2.25.4242.2", &err),
			 PDG_OK);
	assert_int_equal(pdg_dcm_put_string(ds, PDG_TAG(0x0028, 0x0004), "MONOCHROME2", &err),
			 PDG_OK);
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0002), "US", &one, 2, &err), 0);
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0010), "US", &dim, 2, &err), 0);
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0011), "US", &dim, 2, &err), 0);
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0100), "US", &sixteen, 2, &err), 0);
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0101), "US", &twelve, 2, &err), 0);
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0102), "US", &eleven, 2, &err), 0);
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0103), "US", &zero, 2, &err), 0);
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x7fe0, 0x0010), "OW", px, bytes, &err), 0);
	assert_int_equal(pdg_dcm_write(dcm, path, NULL, &err), PDG_OK);
	pdg_dcm_free(dcm);
	free(px);
}

static void path_in(char *buf, size_t cap, const char *rel)
{
	snprintf(buf, cap, "%s/%s", root, rel);
}

static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, cb, same = fa && fb;

	while (same) {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* Names in folder rel, sorted, joined by spaces (dot files included). */
static void listing(const char *rel, char *out, size_t cap)
{
	char p[PATH_MAX], *names[64];
	struct dirent *de;
	size_t n = 0, len = 0;
	DIR *d;

	path_in(p, sizeof(p), rel);
	d = opendir(p);
	assert_non_null(d);
	while ((de = readdir(d)) && n < 64)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			names[n++] = strdup(de->d_name);
	closedir(d);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];

				names[i] = names[j];
				names[j] = t;
			}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", names[i]);
		free(names[i]);
	}
}

static int setup(void **state)
{
	uint8_t secret[PDG_SECRET_BYTES];
	struct pdg_err err;
	char p[PATH_MAX];
	FILE *f;

	(void)state;
	snprintf(root, sizeof(root), "%s/pdg-batch-run-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(root));
	path_in(p, sizeof(p), "in");
	assert_int_equal(mkdir(p, 0700), 0);
	path_in(p, sizeof(p), "in/a.dcm");
	write_ct(p, "PID-ALPHA", 1, 16);
	path_in(p, sizeof(p), "in/b.dcm");
	write_ct(p, "PID-ALPHA", 2, 16);
	path_in(p, sizeof(p), "in/c.txt");
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("not an image\n", f);
	fclose(f);
	/* one large slice (32 MiB of pixels): more work than a 1 ms budget allows */
	path_in(p, sizeof(p), "big");
	assert_int_equal(mkdir(p, 0700), 0);
	path_in(p, sizeof(p), "big/huge.dcm");
	write_ct(p, "PID-BRAVO", 3, 4096);
	memset(secret, 7, sizeof(secret));
	assert_int_equal(pdg_deid_ctx_init_with(&ctx, "jp-pseudonymized", NULL, secret, &err),
			 PDG_OK);
	assert_int_equal(pdg_deid_ctx_set_batch(&ctx, "unit", &err), PDG_OK);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX];

	(void)state;
	pdg_deid_ctx_release(&ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void batch_accounts_for_everything(void **state)
{
	struct pdg_batch_opts opts = { .jobs = 2 };
	char in[PATH_MAX], out[PATH_MAX], list[512], q[PATH_MAX];
	struct pdg_batch b;
	struct pdg_err err;

	(void)state;
	path_in(in, sizeof(in), "in");
	path_in(out, sizeof(out), "out1");
	opts.out_dir = out;
	pdg_batch_init(&b, 0);
	assert_int_equal(pdg_inputs_add(&b.in, in, 1, &err), PDG_OK);
	assert_int_equal(pdg_batch_run(&b, &ctx, &opts, &err), PDG_OK);
	assert_int_equal(b.in.n, 3);
	assert_int_equal(b.exported, 2);
	assert_int_equal(b.quarantined, 1);
	assert_int_equal(b.skipped + b.failed, 0);
	assert_int_equal(b.in.v[2].outcome, PDG_OUTCOME_QUARANTINED);
	assert_string_equal(b.in.v[2].reason, PDG_REASON_NOT_DICOM);
	listing("out1", list, sizeof(list));
	assert_string_equal(list, "E000001.dcm E000002.dcm quarantine");
	listing("out1/quarantine", list, sizeof(list));
	assert_string_equal(list, "Q000003.dcm REASONS.TSV");
	path_in(q, sizeof(q), "out1/quarantine/Q000003.dcm");
	path_in(in, sizeof(in), "in/c.txt");
	assert_true(same_file(q, in));
	/* one patient, two instances: one link record */
	assert_int_equal(b.nlinks, 1);
	assert_string_equal(b.links[0].patient_id, "PID-ALPHA");
	assert_true(b.links[0].pseudonym[0] != '\0');
	assert_int_equal(b.ntally, 2);
	pdg_batch_release(&b);
	assert_null(b.links);
	/* a second batch into the same folder is refused */
	pdg_batch_init(&b, 0);
	path_in(in, sizeof(in), "in");
	assert_int_equal(pdg_inputs_add(&b.in, in, 1, &err), PDG_OK);
	assert_int_equal(pdg_batch_run(&b, &ctx, &opts, &err), PDG_E_EXISTS);
	pdg_batch_release(&b);
}

static void lost_worker_quarantines_the_original(void **state)
{
	struct pdg_batch_opts opts = { .jobs = 1, .timeout_ms = 1 };
	char in[PATH_MAX], out[PATH_MAX], list[512], q[PATH_MAX];
	struct pdg_batch b;
	struct pdg_err err;

	(void)state;
	path_in(in, sizeof(in), "big");
	path_in(out, sizeof(out), "out2");
	opts.out_dir = out;
	pdg_batch_init(&b, 0);
	assert_int_equal(pdg_inputs_add(&b.in, in, 1, &err), PDG_OK);
	assert_int_equal(pdg_batch_run(&b, &ctx, &opts, &err), PDG_OK);
	assert_int_equal(b.in.n, 1);
	assert_int_equal(b.quarantined, 1);
	assert_string_equal(b.in.v[0].reason, PDG_REASON_UNSAFE);
	/* the killed worker's half-written output is gone; the original is copied whole */
	listing("out2", list, sizeof(list));
	assert_string_equal(list, "quarantine");
	listing("out2/quarantine", list, sizeof(list));
	assert_string_equal(list, "Q000001.dcm REASONS.TSV");
	path_in(q, sizeof(q), "out2/quarantine/Q000001.dcm");
	path_in(in, sizeof(in), "big/huge.dcm");
	assert_true(same_file(q, in));
	assert_int_equal(b.nlinks, 0);
	pdg_batch_release(&b);
}

/* What the streaming callbacks saw. */
struct seen {
	int started;
	size_t n, index[8];
	int handed[8];    /* a path was given */
	int existed[8];   /* and the file was there */
	int before_start; /* a call came before started */
};

static enum pdg_code saw_start(void *arg, struct pdg_err *err)
{
	(void)err;
	((struct seen *)arg)->started = 1;
	return PDG_OK;
}

static int saw_ready(void *arg, size_t index, const char *path)
{
	struct seen *s = arg;
	struct stat st;

	if (!s->started)
		s->before_start = 1;
	assert_true(s->n < 8);
	s->index[s->n] = index;
	s->handed[s->n] = path != NULL;
	s->existed[s->n] = path && stat(path, &st) == 0 && st.st_size > 0;
	s->n++;
	return 0;
}

static void copy_to(const char *from_rel, const char *to_rel)
{
	char from[PATH_MAX], to[PATH_MAX], cmd[3 * PATH_MAX];

	path_in(from, sizeof(from), from_rel);
	path_in(to, sizeof(to), to_rel);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

/*
 * Streaming: every input handed over once, in input order, after started; a second copy of
 * an instance comes as not exported (and is skipped afterwards, as without streaming); the
 * handed files are left to the caller under their temporary names.
 */
static void stream_hands_over_in_input_order(void **state)
{
	struct seen s = { 0 };
	struct pdg_batch_opts opts = { .jobs = 2, .keep_keys = 1, .no_flush = 1,
				       .started = saw_start, .ready = saw_ready, .stream_arg = &s };
	char in[PATH_MAX], out[PATH_MAX], list[512];
	struct pdg_batch b;
	struct pdg_err err;

	(void)state;
	path_in(in, sizeof(in), "dup");
	assert_int_equal(mkdir(in, 0700), 0);
	copy_to("in/a.dcm", "dup/1.dcm");
	copy_to("in/a.dcm", "dup/2.dcm");
	copy_to("in/b.dcm", "dup/3.dcm");
	copy_to("in/c.txt", "dup/4.dcm");
	path_in(out, sizeof(out), "out3");
	opts.out_dir = out;
	pdg_batch_init(&b, 0);
	assert_int_equal(pdg_inputs_add(&b.in, in, 1, &err), PDG_OK);
	assert_int_equal(pdg_batch_run(&b, &ctx, &opts, &err), PDG_OK);
	assert_int_equal(b.in.n, 4);
	assert_false(s.before_start);
	assert_int_equal(s.n, 4);
	for (size_t i = 0; i < 4; i++) {
		const char *name = strrchr(b.in.v[i].path, '/') + 1;

		assert_int_equal(s.index[i], i);
		/* 1.dcm and 3.dcm exported; 2.dcm the same instance again; 4.dcm not DICOM */
		assert_int_equal(s.handed[i], !strcmp(name, "1.dcm") || !strcmp(name, "3.dcm"));
		assert_int_equal(s.existed[i], s.handed[i]);
		if (!strcmp(name, "2.dcm")) {
			assert_int_equal(b.in.v[i].outcome, PDG_OUTCOME_SKIPPED);
			assert_string_equal(b.in.v[i].reason, PDG_REASON_DUP_INSTANCE);
		}
	}
	assert_int_equal(b.exported, 2);
	assert_int_equal(b.skipped, 1);
	assert_int_equal(b.quarantined, 1);
	assert_non_null(b.outputs);
	listing("out3", list, sizeof(list));
	assert_string_equal(list, ".E000001.tmp .E000003.tmp quarantine");
	pdg_batch_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(batch_accounts_for_everything),
		cmocka_unit_test(lost_worker_quarantines_the_original),
		cmocka_unit_test(stream_hands_over_in_input_order),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
