/* SPDX-License-Identifier: MIT */
/* Unit tests for batch input discovery: order, outcomes, and nothing left out. */
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "appliance/batch/inputs.h"

static char root[PATH_MAX / 2];

static void mk(const char *rel, const char *content)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static void mkd(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0700), 0);
}

static void ln(const char *target, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	char p[PATH_MAX];

	(void)state;
	snprintf(root, sizeof(root), "%s/pdg-inputs-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(root));
	mk("b.dcm", "bb");
	mk("a.dcm", "a");
	mk("empty", "");
	mkd("sub");
	mk("sub/z", "zzz");
	mk("sub/A", "A");
	mkd("sub/deeper");
	mk("sub/deeper/x", "x");
	ln("..", "sub/loop");        /* a folder symlink loop */
	ln("a.dcm", "link-to-a");    /* a file symlink */
	snprintf(p, sizeof(p), "%s/fifo", root);
	assert_int_equal(mkfifo(p, 0600), 0);
	snprintf(p, sizeof(p), "%s/sub/hardlink-of-b", root);
	{
		char b[PATH_MAX];

		snprintf(b, sizeof(b), "%s/b.dcm", root);
		assert_int_equal(link(b, p), 0);
	}
	mk("big", "0123456789");
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct pdg_input *find(const struct pdg_inputs *in, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (size_t i = 0; i < in->n; i++)
		if (!strcmp(in->v[i].path, p))
			return &in->v[i];
	return NULL;
}

static void walk_is_sorted_and_complete(void **state)
{
	static const char *const order[] = {
		"a.dcm", "b.dcm", "big", "empty", "fifo", "link-to-a", "sub/A",
		"sub/deeper/x", "sub/hardlink-of-b", "sub/loop", "sub/z",
	};
	struct pdg_inputs in;
	struct pdg_err err;

	(void)state;
	pdg_inputs_init(&in, 5); /* files above 5 bytes are too big */
	assert_int_equal(pdg_inputs_add(&in, root, 1, &err), PDG_OK);
	assert_int_equal(in.n, PDG_ARRAY_SIZE(order));
	for (size_t i = 0; i < in.n; i++) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/%s", root, order[i]);
		assert_string_equal(in.v[i].path, p);
	}
	assert_int_equal(find(&in, "a.dcm")->outcome, PDG_OUTCOME_PENDING);
	assert_int_equal(find(&in, "empty")->outcome, PDG_OUTCOME_PENDING);
	assert_int_equal(find(&in, "sub/deeper/x")->size, 1);
	assert_string_equal(find(&in, "big")->reason, PDG_REASON_TOO_BIG);
	assert_string_equal(find(&in, "fifo")->reason, PDG_REASON_SPECIAL);
	assert_string_equal(find(&in, "link-to-a")->reason, PDG_REASON_SYMLINK);
	assert_string_equal(find(&in, "sub/loop")->reason, PDG_REASON_SYMLINK);
	assert_string_equal(find(&in, "sub/hardlink-of-b")->reason, PDG_REASON_DUPLICATE);
	assert_int_equal(pdg_inputs_count(&in, PDG_OUTCOME_PENDING), 6);
	assert_int_equal(pdg_inputs_count(&in, PDG_OUTCOME_SKIPPED), 5);
	pdg_inputs_release(&in);
	assert_int_equal(in.n, 0);
}

static void operands_keep_their_order_and_repeat_is_duplicate(void **state)
{
	struct pdg_inputs in;
	struct pdg_err err;
	char p[PATH_MAX];

	(void)state;
	pdg_inputs_init(&in, 0);
	snprintf(p, sizeof(p), "%s/sub/", root); /* trailing slash is harmless */
	assert_int_equal(pdg_inputs_add(&in, p, 1, &err), PDG_OK);
	snprintf(p, sizeof(p), "%s/a.dcm", root);
	assert_int_equal(pdg_inputs_add(&in, p, 2, &err), PDG_OK);
	assert_int_equal(pdg_inputs_add(&in, p, 3, &err), PDG_OK);
	/* a symbolic link given as an operand is followed: it is a.dcm again */
	snprintf(p, sizeof(p), "%s/link-to-a", root);
	assert_int_equal(pdg_inputs_add(&in, p, 4, &err), PDG_OK);
	assert_int_equal(in.n, 8);
	assert_string_equal(strrchr(in.v[0].path, '/'), "/A");
	assert_int_equal(in.v[5].outcome, PDG_OUTCOME_PENDING);
	assert_string_equal(in.v[6].reason, PDG_REASON_DUPLICATE);
	assert_string_equal(in.v[7].reason, PDG_REASON_DUPLICATE);
	pdg_inputs_release(&in);
}

static void missing_operand_is_an_error_without_path(void **state)
{
	struct pdg_inputs in;
	struct pdg_err err;
	char p[PATH_MAX];

	(void)state;
	pdg_inputs_init(&in, 0);
	snprintf(p, sizeof(p), "%s/YAMADA^TARO", root);
	assert_int_equal(pdg_inputs_add(&in, p, 7, &err), PDG_E_NOTFOUND);
	assert_null(strstr(err.msg, "YAMADA"));
	assert_non_null(strstr(err.msg, "7"));
	assert_int_equal(pdg_inputs_add(&in, "", 1, &err), PDG_E_INVALID);
	assert_int_equal(in.n, 0);
	pdg_inputs_release(&in);
}

/* Discovery of unreadable entries; returns 0 when each got the right reason. */
static int check_unreadable(void)
{
	struct pdg_inputs in;
	struct pdg_err err;
	const struct pdg_input *c, *s;
	int ok;

	pdg_inputs_init(&in, 0);
	if (pdg_inputs_add(&in, root, 1, &err))
		return 1;
	c = find(&in, "closed");
	s = find(&in, "secret");
	ok = c && s && !strcmp(c->reason, PDG_REASON_NODIR) && !strcmp(s->reason, PDG_REASON_NOREAD);
	pdg_inputs_release(&in);
	return ok ? 0 : 1;
}

static void unreadable_entries_are_skipped(void **state)
{
	char p[PATH_MAX];
	int status;
	pid_t pid;

	(void)state;
	mkd("closed");
	mk("closed/x", "x");
	mk("secret", "s");
	snprintf(p, sizeof(p), "%s/closed", root);
	assert_int_equal(chmod(p, 0), 0);
	snprintf(p, sizeof(p), "%s/secret", root);
	assert_int_equal(chmod(p, 0), 0);
	/*
	 * root reads everything; in a new user namespace it keeps its uid but loses
	 * CAP_DAC_OVERRIDE over these files, so permissions apply as to anyone else.
	 */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && unshare(CLONE_NEWUSER))
			_exit(2);
		_exit(check_unreadable());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	snprintf(p, sizeof(p), "%s/closed", root);
	assert_int_equal(chmod(p, 0700), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_is_sorted_and_complete),
		cmocka_unit_test(operands_keep_their_order_and_repeat_is_duplicate),
		cmocka_unit_test(missing_operand_is_an_error_without_path),
		cmocka_unit_test(unreadable_entries_are_skipped),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
