/* SPDX-License-Identifier: MIT */
/* The append-only audit log: one JSON line per record, each hashed and chained to the last. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "appliance/audit/audit.h"
#include "lib/crypto/evp.h"
#include "lib/crypto/sha256.h"
#include "lib/fdio.h"

/*
 * A line is  {"seq":N,"time":"...","prev":"<hex>","outcome":N,"msg":"<xml>","hash":"<hex>"}
 * where hash = SHA-256 of the bytes before ,"hash" and prev is the hash of the record
 * before (64 zeros for the first). docs/formats.md "Audit log".
 */
#define HASH_TAIL_LEN (sizeof(",\"hash\":\"") - 1 + PDG_AUDIT_HASH_HEX + 2)
static const char zero_hash[PDG_AUDIT_HASH_HEX + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static void now_utc(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int is_hex64(const char *s)
{
	for (int i = 0; i < PDG_AUDIT_HASH_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * Check one line against the expected sequence number and previous hash; on success fill r
 * (r->time and r->xml point into *doc, which the caller frees with json_decref).
 */
static int check_line(char *line, size_t len, unsigned long want_seq, const char *want_prev,
		      struct pdg_audit_record *r, json_t **doc, char *why, size_t whylen)
{
	uint8_t d[PDG_SHA256_BYTES];
	char hex[PDG_AUDIT_HASH_HEX + 1];
	const char *prev = NULL, *t = NULL, *msg = NULL;
	json_int_t seq = 0, outcome = 0;
	json_error_t jerr;
	size_t body;

	*doc = NULL;
	if (len < HASH_TAIL_LEN + 2 || strncmp(line + len - HASH_TAIL_LEN, ",\"hash\":\"", 9) ||
	    strcmp(line + len - 2, "\"}") || !is_hex64(line + len - HASH_TAIL_LEN + 9)) {
		snprintf(why, whylen, "not a record (no hash at its end)");
		return 0;
	}
	body = len - HASH_TAIL_LEN;
	memcpy(r->hash, line + body + 9, PDG_AUDIT_HASH_HEX);
	r->hash[PDG_AUDIT_HASH_HEX] = '\0';
	if (pdg_sha256(d, line, body, NULL)) {
		snprintf(why, whylen, "cannot compute SHA-256");
		return 0;
	}
	pdg_sha256_hex(hex, d);
	if (strcmp(hex, r->hash)) {
		snprintf(why, whylen, "its content does not match its hash (the record was changed)");
		return 0;
	}
	line[body] = '}';
	*doc = json_loadb(line, body + 1, JSON_REJECT_DUPLICATES, &jerr);
	line[body] = ',';
	if (!*doc || json_unpack(*doc, "{s:I,s:s,s:s,s:I,s:s}", "seq", &seq, "time", &t, "prev",
				 &prev, "outcome", &outcome, "msg", &msg)) {
		snprintf(why, whylen, "its fields are malformed");
		return 0;
	}
	if ((unsigned long)seq != want_seq) {
		snprintf(why, whylen, "found record %lld where record %lu belongs (a record was "
			 "removed, inserted or moved)", (long long)seq, want_seq);
		return 0;
	}
	if (strcmp(prev, want_prev)) {
		snprintf(why, whylen, "its link to record %lu does not match (a record was removed, "
			 "moved or rewritten)", want_seq - 1);
		return 0;
	}
	r->seq = (unsigned long)seq;
	r->time = t;
	r->xml = msg;
	r->outcome = (int)outcome;
	return 1;
}

/* Read "<seq> <hash>" from the head file; *seq = 0 if there is none. */
static enum pdg_code read_head(const char *path, unsigned long *seq, char hash[65],
			       struct pdg_err *err)
{
	char hp[4200], buf[128];
	FILE *f;
	int ok;

	*seq = 0;
	snprintf(hp, sizeof(hp), "%s.head", path);
	f = fopen(hp, "re");
	if (!f) {
		if (errno == ENOENT)
			return PDG_OK;
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", hp);
	}
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (ok) {
		char *end;

		*seq = strtoul(buf, &end, 10);
		ok = *end == ' ' && strlen(end + 1) >= 64 && is_hex64(end + 1);
		if (ok) {
			memcpy(hash, end + 1, 64);
			hash[64] = '\0';
		}
	}
	if (!ok)
		return pdg_err_set(err, PDG_E_CRYPTO, "audit head '%s' is malformed", hp);
	return PDG_OK;
}

static enum pdg_code walk(const char *path, enum pdg_code (*fn)(void *ctx,
								const struct pdg_audit_record *r),
			  void *ctx, struct pdg_audit_check *check, struct pdg_err *err)
{
	char prev[PDG_AUDIT_HASH_HEX + 1], head_hash[65] = "";
	unsigned long head_seq = 0, n = 0;
	enum pdg_code rc = PDG_OK;
	const size_t cap = PDG_AUDIT_LINE_MAX + 2; /* a record, its LF and the NUL */
	char *line = NULL;
	size_t len;
	FILE *f;

	*check = (struct pdg_audit_check){ 0 };
	memcpy(prev, zero_hash, sizeof(prev));
	if ((rc = read_head(path, &head_seq, head_hash, err)))
		return rc;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT && head_seq == 0)
			return PDG_OK; /* no log yet: nothing was recorded */
		return pdg_err_sys(err, PDG_E_IO, "cannot open audit log '%s'", path);
	}
	line = malloc(cap);
	if (!line) {
		fclose(f);
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory reading the audit log");
	}
	/* bounded reads: a line longer than a record can be is a broken record, not an OOM */
	while (!rc && fgets(line, (int)cap, f)) {
		struct pdg_audit_record r;
		json_t *doc = NULL;

		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (len == cap - 1)
			len = PDG_AUDIT_LINE_MAX + 1; /* no LF within the bound */
		if (len > PDG_AUDIT_LINE_MAX ||
		    !check_line(line, len, n + 1, prev, &r, &doc, check->reason,
				sizeof(check->reason))) {
			if (len > PDG_AUDIT_LINE_MAX)
				snprintf(check->reason, sizeof(check->reason), "longer than %d bytes",
					 PDG_AUDIT_LINE_MAX);
			check->bad_record = n + 1;
			json_decref(doc);
			break;
		}
		n++;
		memcpy(prev, r.hash, sizeof(prev));
		if (fn)
			rc = fn(ctx, &r);
		json_decref(doc);
	}
	if (!rc && ferror(f))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot read audit log '%s'", path);
	fclose(f);
	free(line);
	check->records = n;
	if (rc)
		return rc;
	if (!check->bad_record && head_seq && (n < head_seq)) {
		check->bad_record = n + 1;
		snprintf(check->reason, sizeof(check->reason),
			 "missing: the log ends after record %lu but its head names record %lu "
			 "(records were cut off)", n, head_seq);
	} else if (!check->bad_record && head_seq && n == head_seq && strcmp(prev, head_hash)) {
		check->bad_record = n;
		snprintf(check->reason, sizeof(check->reason),
			 "it is not the last record the head names (the end was rewritten)");
	}
	/* n > head_seq: a crash between appending and updating the head; the chain decides */
	if (check->bad_record)
		return pdg_err_set(err, PDG_E_CRYPTO, "audit log '%s': record %lu: %s", path,
				   check->bad_record, check->reason);
	return PDG_OK;
}

enum pdg_code pdg_audit_verify(const char *path, struct pdg_audit_check *check,
			       struct pdg_err *err)
{
	return walk(path, NULL, NULL, check, err);
}

enum pdg_code pdg_audit_read(const char *path,
			     enum pdg_code (*fn)(void *ctx, const struct pdg_audit_record *r),
			     void *ctx, struct pdg_err *err)
{
	struct pdg_audit_check check;
	enum pdg_code rc = walk(path, NULL, NULL, &check, err);

	if (rc)
		return rc;
	return walk(path, fn, ctx, &check, err);
}

struct last {
	char hash[PDG_AUDIT_HASH_HEX + 1];
};

static enum pdg_code keep_last(void *ctx, const struct pdg_audit_record *r)
{
	memcpy(((struct last *)ctx)->hash, r->hash, sizeof(r->hash));
	return PDG_OK;
}

static enum pdg_code write_head(const char *path, unsigned long seq, const char *hash,
				struct pdg_err *err)
{
	char hp[4200], tmp[4300], text[128];
	enum pdg_code rc;
	int fd, n;

	snprintf(hp, sizeof(hp), "%s.head", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", hp);
	n = snprintf(text, sizeof(text), "%lu %s\n", seq, hash);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", tmp);
	rc = pdg_write_all(fd, text, (size_t)n, tmp, err);
	if (!rc && fsync(fd))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot sync '%s'", tmp);
	if (close(fd) && !rc)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", tmp);
	if (!rc && rename(tmp, hp))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot rename '%s'", tmp);
	if (rc)
		(void)unlink(tmp);
	return rc;
}

enum pdg_code pdg_audit_append(const char *path, const struct pdg_audit_event *ev,
			       struct pdg_err *err)
{
	struct last last;
	struct pdg_audit_check check;
	char t[32], hex[PDG_AUDIT_HASH_HEX + 1], *xml = NULL, *body = NULL, *line = NULL;
	uint8_t d[PDG_SHA256_BYTES];
	json_t *obj = NULL;
	enum pdg_code rc;
	size_t blen;
	int fd;

	now_utc(t);
	if ((rc = pdg_audit_xml(ev, t, &xml, err)))
		return rc;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(xml);
		return pdg_err_sys(err, PDG_E_IO, "cannot open audit log '%s'", path);
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			rc = pdg_err_sys(err, PDG_E_IO, "cannot lock audit log '%s'", path);
			goto out;
		}
	}
	/* chain-check the whole log first: never extend a damaged log (fail closed) */
	memcpy(last.hash, zero_hash, sizeof(last.hash));
	if ((rc = walk(path, keep_last, &last, &check, err)))
		goto out;
	obj = json_pack("{s:I,s:s,s:s,s:i,s:s}", "seq", (json_int_t)(check.records + 1), "time", t,
			"prev", last.hash, "outcome", ev->outcome, "msg", xml);
	body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	if (!body) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "cannot build an audit record");
		goto out;
	}
	blen = strlen(body) - 1; /* without the closing brace */
	if (blen + HASH_TAIL_LEN > PDG_AUDIT_LINE_MAX) {
		rc = pdg_err_set(err, PDG_E_LIMIT, "audit record longer than %d bytes",
				 PDG_AUDIT_LINE_MAX);
		goto out;
	}
	if ((rc = pdg_sha256(d, body, blen, err)))
		goto out;
	pdg_sha256_hex(hex, d);
	line = malloc(blen + HASH_TAIL_LEN + 2);
	if (!line) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "cannot build an audit record");
		goto out;
	}
	memcpy(line, body, blen);
	snprintf(line + blen, HASH_TAIL_LEN + 2, ",\"hash\":\"%s\"}\n", hex);
	rc = pdg_write_all(fd, line, blen + HASH_TAIL_LEN + 1, path, err);
	if (!rc && fsync(fd))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot sync audit log '%s'", path);
	if (!rc)
		rc = write_head(path, check.records + 1, hex, err);
out:
	close(fd); /* releases the lock */
	free(line);
	free(body);
	json_decref(obj);
	free(xml);
	return rc;
}

void pdg_audit_syslog_line(FILE *out, const struct pdg_audit_record *r, const char *host)
{
	/* PRI = facility 10 (security/authorization) * 8 + severity (PS3.15 A.6, ITI-20) */
	int pri = 10 * 8 + (r->outcome ? 4 : 5);

	fprintf(out, "<%d>1 %s %s pdigate - IHE+RFC-3881 - \xEF\xBB\xBF"
		     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>%s\n",
		pri, r->time, host && *host ? host : "-", r->xml);
}
