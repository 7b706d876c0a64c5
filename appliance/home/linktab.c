/* SPDX-License-Identifier: MIT */
/* The link table: age-encrypted JSON-lines files in linktab/, readable with the admin key. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "appliance/audit/audit.h"
#include "appliance/home/fsutil.h"
#include "appliance/home/linktab.h"
#include "lib/crypto/age.h"

#define LINE_MAX_BYTES 2048            /* one encoded record, with room to spare */
#define ADMIN_KEY_MAX (64 * 1024)       /* keys/admin.age */
#define LINKTAB_FILE_MAX (256u << 20)   /* one link-table file */

/* A growing byte buffer that is wiped before every free: it holds PHI. */
struct wbuf {
	char *p;
	size_t len, cap;
};

static void wbuf_free(struct wbuf *b)
{
	if (b->p) {
		OPENSSL_cleanse(b->p, b->cap);
		free(b->p);
	}
	*b = (struct wbuf){ 0 };
}

static int wbuf_reserve(struct wbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->cap - b->len > more)
		return 1;
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len <= more)
		cap *= 2;
	p = malloc(cap); /* not realloc: the old block must be wiped, not left behind */
	if (!p)
		return 0;
	if (b->p)
		memcpy(p, b->p, b->len);
	if (b->p) {
		OPENSSL_cleanse(b->p, b->cap);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
	return 1;
}

static void wbuf_putc(struct wbuf *b, char c)
{
	b->p[b->len++] = c;
}

static void wbuf_puts(struct wbuf *b, const char *s)
{
	size_t n = strlen(s);

	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/*
 * A JSON string holding the bytes of s: printable ASCII as is, every other byte as \u00XX,
 * so any byte string survives (bytes >= 0x80 read back as code points U+0080..U+00FF).
 */
static void wbuf_json_bytes(struct wbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	wbuf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			wbuf_putc(b, '\\');
			wbuf_putc(b, (char)*p);
		} else if (*p < 0x20 || *p >= 0x7f) {
			wbuf_puts(b, "\\u00");
			wbuf_putc(b, hex[*p >> 4]);
			wbuf_putc(b, hex[*p & 15]);
		} else {
			wbuf_putc(b, (char)*p);
		}
	}
	wbuf_putc(b, '"');
}

/* Undo wbuf_json_bytes: UTF-8 of code points up to U+00FF back to bytes. 0 if not such. */
static int latin1_bytes(const char *utf8, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)utf8;
	size_t n = 0;

	while (*p) {
		unsigned c = *p++;

		if (c >= 0x80) {
			if ((c != 0xc2 && c != 0xc3) || (*p & 0xc0) != 0x80)
				return 0;
			c = ((c & 0x03) << 6) | (*p++ & 0x3f);
		}
		if (n + 1 >= cap)
			return 0;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n > 0;
}

static int field_ok(const char *s)
{
	size_t n = strnlen(s, PDG_LINK_ID_MAX);

	return n > 0 && n < PDG_LINK_ID_MAX;
}

static enum pdg_code encode(struct wbuf *b, const char *project, const struct pdg_link_record *r,
			    const char *now, struct pdg_err *err)
{
	char num[32];

	if (!field_ok(r->pseudonym) || !field_ok(r->patient_id))
		return pdg_err_set(err, PDG_E_INVALID,
				   "link record: pseudonym and patient ID must be 1..64 bytes");
	if (!wbuf_reserve(b, LINE_MAX_BYTES))
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	wbuf_puts(b, "{\"v\":1,\"project\":");
	wbuf_json_bytes(b, project);
	wbuf_puts(b, ",\"pseudonym\":");
	wbuf_json_bytes(b, r->pseudonym);
	wbuf_puts(b, ",\"patient_id\":");
	wbuf_json_bytes(b, r->patient_id);
	snprintf(num, sizeof(num), ",\"date_offset_days\":%ld", (long)r->date_offset_days);
	wbuf_puts(b, num);
	wbuf_puts(b, ",\"time\":");
	wbuf_json_bytes(b, r->time[0] && strnlen(r->time, PDG_TIME_MAX) < PDG_TIME_MAX ? r->time
										  : now);
	wbuf_puts(b, "}\n");
	return PDG_OK;
}

static enum pdg_code admin_recipient(const char *home, char *out, size_t cap,
				     struct pdg_err *err)
{
	struct pdg_home_config cfg;
	enum pdg_code rc = pdg_home_config_load(home, &cfg, err);

	if (rc)
		return rc;
	if (!cfg.admin_recipient[0])
		return pdg_err_set(err, PDG_E_POLICY,
				   "'%s' has no administrator key, so the link table cannot be "
				   "kept; create the home with 'pdigate init'",
				   home);
	if (!pdg_str_copy(out, cap, cfg.admin_recipient))
		return pdg_err_set(err, PDG_E_INVALID, "administrator recipient too long");
	return PDG_OK;
}

enum pdg_code pdg_linktab_put(const char *home, const char *project,
			      const struct pdg_link_record *records, size_t n,
			      struct pdg_err *err)
{
	char recipient[PDG_RECIPIENT_MAX], now[PDG_TIME_MAX], stamp[32], name[64];
	char path[PATH_MAX];
	const char *recips[1] = { recipient };
	struct pdg_age_to to = { .recipients = recips, .n_recipients = 1 };
	struct wbuf b = { 0 };
	uint8_t *ct = NULL, rnd[8];
	enum pdg_code rc;
	size_t ctlen = 0;

	if (!pdg_name_valid(project))
		return pdg_err_set(err, PDG_E_INVALID, "'%s' is not a valid project name", project);
	if (n == 0)
		return PDG_OK;
	if (n > PDG_LINKTAB_PUT_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "more than %d link records in one put",
				   PDG_LINKTAB_PUT_MAX);
	rc = admin_recipient(home, recipient, sizeof(recipient), err);
	if (rc)
		return rc;
	pdg_utc_now(now, sizeof(now));
	for (size_t i = 0; i < n && !rc; i++)
		rc = encode(&b, project, &records[i], now, err);
	if (!rc)
		rc = pdg_age_encrypt_mem(&to, b.p, b.len, &ct, &ctlen, err);
	wbuf_free(&b);
	if (rc)
		return rc;

	/* the name says when, never what: 20261121T010203Z-<64 random bits>.age */
	rc = pdg_random_bytes(rnd, sizeof(rnd), err);
	if (!rc) {
		memcpy(stamp, now, 4);
		memcpy(stamp + 4, now + 5, 2);
		memcpy(stamp + 6, now + 8, 5);
		memcpy(stamp + 11, now + 14, 2);
		memcpy(stamp + 13, now + 17, 3);
		stamp[16] = '\0';
		snprintf(name, sizeof(name), "%s/%s-%02x%02x%02x%02x%02x%02x%02x%02x.age",
			 PDG_HOME_LINKTAB, stamp, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5],
			 rnd[6], rnd[7]);
		rc = pdg_path_join(path, sizeof(path), home, name, err);
	}
	if (!rc)
		rc = pdg_write_atomic(path, ct, ctlen, 0600, PDG_WRITE_NOREPLACE, err);
	free(ct);
	return rc;
}

/* Open keys/admin.age with passphrase; the identity goes to id (wiped by the caller). */
static enum pdg_code admin_identity(const char *home, const char *passphrase,
				    const char *recipient, char id[PDG_AGE_IDENTITY_LEN + 1],
				    struct pdg_err *err)
{
	struct pdg_age_from from = { .passphrase = passphrase,
				     .passphrase_len = strlen(passphrase) };
	char path[PATH_MAX], *ct = NULL, mine[PDG_AGE_RECIPIENT_LEN + 1];
	enum pdg_age_failure why = PDG_AGE_FAIL_NONE;
	uint8_t *pt = NULL;
	size_t ctlen, ptlen = 0;
	enum pdg_code rc;
	char *line, *save = NULL;

	id[0] = '\0';
	rc = pdg_path_join(path, sizeof(path), home, PDG_HOME_ADMIN_KEY, err);
	if (!rc)
		rc = pdg_read_file(path, ADMIN_KEY_MAX, &ct, &ctlen, err);
	if (rc)
		return rc;
	rc = pdg_age_decrypt_mem(&from, ct, ctlen, ADMIN_KEY_MAX, &pt, &ptlen, &why, err);
	free(ct);
	if (rc) {
		if (why == PDG_AGE_FAIL_NO_MATCH || why == PDG_AGE_FAIL_HMAC)
			return pdg_err_set(err, PDG_E_CRYPTO, "wrong administrator passphrase");
		return pdg_err_prefix(err, "cannot open '%s'", path);
	}
	for (line = strtok_r((char *)pt, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "AGE-SECRET-KEY-1", 16) && strlen(line) == PDG_AGE_IDENTITY_LEN) {
			memcpy(id, line, PDG_AGE_IDENTITY_LEN + 1);
			break;
		}
	OPENSSL_cleanse(pt, ptlen);
	free(pt);
	if (!id[0])
		return pdg_err_set(err, PDG_E_INVALID, "'%s' holds no age identity", path);
	rc = pdg_age_identity_recipient(id, mine, err);
	if (!rc && strcmp(mine, recipient))
		rc = pdg_err_set(err, PDG_E_CRYPTO,
				 "'%s' does not match the link-table recipient of config.ini", path);
	if (rc)
		OPENSSL_cleanse(id, PDG_AGE_IDENTITY_LEN + 1);
	return rc;
}

enum pdg_code pdg_home_admin_identity(const char *home, const char *passphrase,
				      char id[PDG_AGE_IDENTITY_LEN + 1], struct pdg_err *err)
{
	char recipient[PDG_RECIPIENT_MAX];
	enum pdg_code rc = admin_recipient(home, recipient, sizeof(recipient), err);

	id[0] = '\0';
	return rc ? rc : admin_identity(home, passphrase, recipient, id, err);
}

static int same_record(const struct pdg_link_record *a, const struct pdg_link_record *b)
{
	return !strcmp(a->project, b->project) && !strcmp(a->patient_id, b->patient_id) &&
	       a->date_offset_days == b->date_offset_days;
}

static int get_bytes(json_t *o, const char *key, char *out, size_t cap)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && latin1_bytes(s, out, cap);
}

/* Parse one JSON line into *r. 0 if malformed. */
static int decode(const char *line, size_t len, struct pdg_link_record *r)
{
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *off;
	int ok;

	if (!o)
		return 0;
	off = json_object_get(o, "date_offset_days");
	ok = json_is_object(o) && json_integer_value(json_object_get(o, "v")) == 1 &&
	     get_bytes(o, "project", r->project, sizeof(r->project)) &&
	     get_bytes(o, "pseudonym", r->pseudonym, sizeof(r->pseudonym)) &&
	     get_bytes(o, "patient_id", r->patient_id, sizeof(r->patient_id)) &&
	     get_bytes(o, "time", r->time, sizeof(r->time)) && json_is_integer(off) &&
	     json_integer_value(off) >= INT32_MIN && json_integer_value(off) <= INT32_MAX;
	if (ok)
		r->date_offset_days = (int32_t)json_integer_value(off);
	json_decref(o);
	return ok;
}

/* Scan one decrypted file for pseudonym; 0 if a line was malformed. */
static int scan(const char *pt, size_t len, const char *pseudonym,
		struct pdg_linktab_matches *out)
{
	struct pdg_link_record r;
	size_t i = 0;
	int ok = 1;

	while (i < len) {
		const char *nl = memchr(pt + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - pt) : len;
		size_t k;

		if (!decode(pt + i, end - i, &r)) {
			ok = 0;
		} else if (!strcmp(r.pseudonym, pseudonym)) {
			for (k = 0; k < out->n && !same_record(&out->rec[k], &r); k++)
				;
			if (k == out->n) {
				if (out->n < PDG_LINKTAB_FIND_MAX)
					out->rec[out->n++] = r;
				else
					out->more++;
			}
		}
		i = end + 1;
	}
	OPENSSL_cleanse(&r, sizeof(r));
	return ok;
}

static int age_name(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return n > 4 && de->d_name[0] != '.' && !strcmp(de->d_name + n - 4, ".age");
}

enum pdg_code pdg_linktab_find(const char *home, const char *pseudonym, const char *passphrase,
			       struct pdg_linktab_matches *out, struct pdg_err *err)
{
	char recipient[PDG_RECIPIENT_MAX], id[PDG_AGE_IDENTITY_LEN + 1], dir[PATH_MAX];
	const char *ids[1] = { id };
	struct pdg_age_from from = { .identities = ids, .n_identities = 1 };
	struct dirent **list = NULL;
	enum pdg_code rc;
	int nfiles;

	*out = (struct pdg_linktab_matches){ 0 };
	if (!field_ok(pseudonym))
		return pdg_err_set(err, PDG_E_INVALID, "a pseudonym has 1..64 characters");
	rc = admin_recipient(home, recipient, sizeof(recipient), err);
	if (rc)
		return rc;
	rc = admin_identity(home, passphrase, recipient, id, err);
	if (rc)
		return rc;
	rc = pdg_path_join(dir, sizeof(dir), home, PDG_HOME_LINKTAB, err);
	if (rc)
		goto out;
	nfiles = scandir(dir, &list, age_name, alphasort);
	if (nfiles < 0) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot list '%s'", dir);
		goto out;
	}
	for (int i = 0; i < nfiles; i++) {
		char path[PATH_MAX], *ct = NULL;
		uint8_t *pt = NULL;
		size_t ctlen, ptlen = 0;
		struct pdg_err ferr;

		out->files++;
		if (pdg_path_join(path, sizeof(path), dir, list[i]->d_name, &ferr) ||
		    pdg_read_file(path, LINKTAB_FILE_MAX, &ct, &ctlen, &ferr) ||
		    pdg_age_decrypt_mem(&from, ct, ctlen, LINKTAB_FILE_MAX, &pt, &ptlen, NULL,
					&ferr) ||
		    !scan((const char *)pt, ptlen, pseudonym, out))
			out->unreadable++;
		free(ct);
		if (pt) {
			OPENSSL_cleanse(pt, ptlen);
			free(pt);
		}
		free(list[i]);
	}
	free(list);
	if (!out->n)
		rc = pdg_err_set(err, PDG_E_NOTFOUND, "no link record for this pseudonym");
out:
	OPENSSL_cleanse(id, sizeof(id));
	return rc;
}

void pdg_linktab_matches_wipe(struct pdg_linktab_matches *m)
{
	if (m)
		OPENSSL_cleanse(m, sizeof(*m));
}

/*
 * The same attempt as a DICOM audit message (PS3.15 A.5.3): Patient Record (110110), action
 * Read, by the user as requestor, about the patient known by the pseudonym (never the
 * original ID). Outcome: success, minor failure (no record), serious failure (otherwise).
 */
static enum pdg_code audit_reid(const char *home, const char *outcome, const char *pseudonym,
				const char *user, struct pdg_err *err)
{
	struct pdg_home_config cfg;
	char path[PATH_MAX];
	const struct pdg_audit_participant who = {
		.user_id = user, .alt_user_id = "pdigate reid", .user_name = user, .requestor = 1,
	};
	const struct pdg_audit_object patient = {
		.type_code = 1, .role = 1, .id_type = { "2", "RFC-3881", "Patient Number" },
		.id = pseudonym, .detail_type = "re-identification", .detail_value = outcome,
		.encrypted = -1, .anonymized = -1,
	};
	struct pdg_audit_event ev = {
		.id = { "110110", "DCM", "Patient Record" }, .action = 'R',
		.outcome = !strcmp(outcome, "ok") ? 0 : !strcmp(outcome, "not-found") ? 4 : 8,
		.outcome_desc = outcome, .participants = &who, .nparticipants = 1,
		.objects = &patient, .nobjects = 1,
	};
	enum pdg_code rc = pdg_home_config_load(home, &cfg, err);

	if (rc)
		return rc;
	ev.site = cfg.site;
	ev.source_id = cfg.appliance_id;
	rc = pdg_path_join(path, sizeof(path), home, PDG_AUDIT_LOG, err);
	if (!rc)
		rc = pdg_audit_append(path, &ev, err);
	return rc;
}

enum pdg_code pdg_linktab_note_reid(const char *home, const char *outcome, const char *project,
				    const char *pseudonym, size_t n, struct pdg_err *err)
{
	char path[PATH_MAX], now[PDG_TIME_MAX], line[512], pwbuf[1024];
	struct passwd pw, *who = NULL;
	enum pdg_code rc;
	int fd, len;

	for (const char *p = pseudonym; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return pdg_err_set(err, PDG_E_INVALID, "pseudonym not printable");
	rc = pdg_path_join(path, sizeof(path), home, PDG_HOME_STATE "/reid.log", err);
	if (rc)
		return rc;
	pdg_utc_now(now, sizeof(now));
	(void)getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &who);
	len = snprintf(line, sizeof(line),
		       "%s reid outcome=%s user=%s uid=%u project=%s pseudonym=%s records=%zu\n", now,
		       outcome, who ? who->pw_name : "?", (unsigned)getuid(), project, pseudonym, n);
	if (len < 0 || (size_t)len >= sizeof(line))
		return pdg_err_set(err, PDG_E_LIMIT, "re-identification note too long");
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", path);
	if (write(fd, line, (size_t)len) != len || fsync(fd) < 0) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", path);
		close(fd);
		return rc;
	}
	if (close(fd) < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot close '%s'", path);
	return audit_reid(home, outcome, pseudonym, who ? who->pw_name : "?", err);
}
