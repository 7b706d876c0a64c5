/* SPDX-License-Identifier: MIT */
/* The outer manifest <PKG>.MAN: canonical JSON out, strict JSON in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/compiler.h"
#include "pdi/medium.h"

void pdg_medium_name(char *buf, size_t cap, const char *pkgid, const char *ext)
{
	snprintf(buf, cap, "%s.%s", pkgid, ext);
}

void pdg_medium_segment_name(char *buf, size_t cap, const char *pkgid, unsigned index)
{
	snprintf(buf, cap, "%s.%03u", pkgid, index);
}

static json_t *segments_json(const struct pdg_medium_manifest *m)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < m->nsegments; i++)
		json_array_append_new(a, json_pack("{s:s, s:I, s:s}", "name", m->segments[i].name,
						   "size", (json_int_t)m->segments[i].size,
						   "sha256", m->segments[i].sha256));
	return a;
}

enum pdg_code pdg_medium_manifest_format(const struct pdg_medium_manifest *m, char **out,
					 size_t *len, struct pdg_err *err)
{
	json_t *doc, *rcpt = json_array();
	char *text;

	for (size_t i = 0; rcpt && i < m->nrecipients; i++)
		json_array_append_new(rcpt, json_string(m->recipients[i]));
	/* the order of keys is the order of this pack: it is part of the format */
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:{s:I, s:s}, "
			"s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:s, s:s}, s:s}",
			"format", m->format, "package_id", m->package_id,
			"appliance_id", m->appliance_id, "site", m->site, "project", m->project,
			"created_at", m->created_at, "medium_serial", m->medium_serial,
			"recipients", rcpt, "release_secret_sha256", m->release_secret_sha256,
			"segments", segments_json(m),
			"ciphertext", "size", (json_int_t)m->ciphertext_size, "sha256",
			m->ciphertext_sha256,
			"counts", "patients", (json_int_t)m->patients, "studies",
			(json_int_t)m->studies, "series", (json_int_t)m->series, "instances",
			(json_int_t)m->instances, "instance_bytes", (json_int_t)m->instance_bytes,
			"quarantined", (json_int_t)m->quarantined,
			"profile", "id", m->profile, "title", m->profile_title,
			"software", m->software);
	if (!doc)
		return pdg_err_set(err, PDG_E_NOMEM, "cannot build the manifest");
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (!text)
		return pdg_err_set(err, PDG_E_NOMEM, "cannot format the manifest");
	*len = strlen(text);
	/* one final newline, so the file is a proper text file */
	*out = realloc(text, *len + 2);
	if (!*out) {
		free(text);
		return pdg_err_set(err, PDG_E_NOMEM, "cannot format the manifest");
	}
	(*out)[(*len)++] = '\n';
	(*out)[*len] = '\0';
	return PDG_OK;
}

static int is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

/* Copy the string member key of o into buf; PDG_E_INVALID when missing, not a string or long. */
static enum pdg_code get_str(json_t *o, const char *key, char *buf, size_t cap,
			     struct pdg_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return pdg_err_set(err, PDG_E_INVALID, "manifest: '%s' is missing or not a string",
				   key);
	if (json_string_length(v) >= cap || strlen(json_string_value(v)) != json_string_length(v))
		return pdg_err_set(err, PDG_E_INVALID, "manifest: '%s' is too long", key);
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return PDG_OK;
}

static enum pdg_code get_u64(json_t *o, const char *key, uint64_t *out, struct pdg_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return pdg_err_set(err, PDG_E_INVALID,
				   "manifest: '%s' is missing or not a non-negative integer", key);
	*out = (uint64_t)json_integer_value(v);
	return PDG_OK;
}

static enum pdg_code get_count(json_t *o, const char *key, size_t *out, struct pdg_err *err)
{
	uint64_t v;
	enum pdg_code rc = get_u64(o, key, &v, err);

	if (!rc)
		*out = (size_t)v;
	return rc;
}

static enum pdg_code parse_segments(json_t *a, struct pdg_medium_manifest *m,
				    struct pdg_err *err)
{
	uint64_t total = 0;
	char want[32];

	if (!json_is_array(a) || json_array_size(a) < 1 ||
	    json_array_size(a) > PDG_MEDIUM_MAX_SEGMENTS)
		return pdg_err_set(err, PDG_E_INVALID, "manifest: 'segments' must list 1 to %d segments",
				   PDG_MEDIUM_MAX_SEGMENTS);
	m->segments = calloc(json_array_size(a), sizeof(*m->segments));
	if (!m->segments)
		return pdg_err_set(err, PDG_E_NOMEM, "manifest: out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		struct pdg_medium_segment *s = &m->segments[i];
		json_t *o = json_array_get(a, i);

		if (!json_is_object(o) || get_str(o, "name", s->name, sizeof(s->name), err) ||
		    get_u64(o, "size", &s->size, err) ||
		    get_str(o, "sha256", s->sha256, sizeof(s->sha256), err))
			return pdg_err_set(err, PDG_E_INVALID, "manifest: segment %zu is malformed",
					   i + 1);
		pdg_medium_segment_name(want, sizeof(want), m->package_id, (unsigned)(i + 1));
		if (strcmp(s->name, want))
			return pdg_err_set(err, PDG_E_INVALID,
					   "manifest: segment %zu should be named '%s'", i + 1, want);
		if (!is_hex64(s->sha256) || !s->size || s->size > PDG_MEDIUM_SEGMENT_MAX)
			return pdg_err_set(err, PDG_E_INVALID,
					   "manifest: segment '%s' has a bad size or digest", s->name);
		total += s->size;
		m->nsegments++;
	}
	if (total != m->ciphertext_size)
		return pdg_err_set(err, PDG_E_INVALID,
				   "manifest: the segment sizes do not add up to the ciphertext size");
	return PDG_OK;
}

static enum pdg_code parse_doc(json_t *doc, struct pdg_medium_manifest *m, struct pdg_err *err)
{
	json_t *ct = json_object_get(doc, "ciphertext"), *counts = json_object_get(doc, "counts");
	json_t *prof = json_object_get(doc, "profile"), *rcpt = json_object_get(doc, "recipients");
	enum pdg_code rc;

	if ((rc = get_str(doc, "format", m->format, sizeof(m->format), err)))
		return rc;
	if (strcmp(m->format, PDG_MEDIUM_FORMAT))
		return pdg_err_set(err, PDG_E_INVALID, "manifest: unknown format '%s'", m->format);
	if ((rc = get_str(doc, "package_id", m->package_id, sizeof(m->package_id), err)) ||
	    (rc = get_str(doc, "appliance_id", m->appliance_id, sizeof(m->appliance_id), err)) ||
	    (rc = get_str(doc, "site", m->site, sizeof(m->site), err)) ||
	    (rc = get_str(doc, "project", m->project, sizeof(m->project), err)) ||
	    (rc = get_str(doc, "created_at", m->created_at, sizeof(m->created_at), err)) ||
	    (rc = get_str(doc, "medium_serial", m->medium_serial, sizeof(m->medium_serial), err)) ||
	    (rc = get_str(doc, "release_secret_sha256", m->release_secret_sha256,
			  sizeof(m->release_secret_sha256), err)) ||
	    (rc = get_str(doc, "software", m->software, sizeof(m->software), err)))
		return rc;
	for (const char *p = m->package_id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z')))
			return pdg_err_set(err, PDG_E_INVALID, "manifest: malformed package id");
	if (strlen(m->package_id) < 1 || !is_hex64(m->release_secret_sha256))
		return pdg_err_set(err, PDG_E_INVALID, "manifest: malformed package id or secret hash");
	if (!json_is_array(rcpt) || json_array_size(rcpt) < 1 ||
	    json_array_size(rcpt) > PDG_ARRAY_SIZE(m->recipients))
		return pdg_err_set(err, PDG_E_INVALID, "manifest: 'recipients' must list 1 to %zu keys",
				   PDG_ARRAY_SIZE(m->recipients));
	for (size_t i = 0; i < json_array_size(rcpt); i++) {
		json_t *r = json_array_get(rcpt, i);

		if (!json_is_string(r) || json_string_length(r) >= sizeof(m->recipients[0]))
			return pdg_err_set(err, PDG_E_INVALID, "manifest: malformed recipient");
		memcpy(m->recipients[i], json_string_value(r), json_string_length(r) + 1);
		m->nrecipients++;
	}
	if (!json_is_object(ct) || (rc = get_u64(ct, "size", &m->ciphertext_size, err)) ||
	    (rc = get_str(ct, "sha256", m->ciphertext_sha256, sizeof(m->ciphertext_sha256), err)))
		return pdg_err_set(err, PDG_E_INVALID, "manifest: 'ciphertext' is malformed");
	if (!is_hex64(m->ciphertext_sha256))
		return pdg_err_set(err, PDG_E_INVALID, "manifest: malformed ciphertext digest");
	if (!json_is_object(counts) || get_count(counts, "patients", &m->patients, err) ||
	    get_count(counts, "studies", &m->studies, err) ||
	    get_count(counts, "series", &m->series, err) ||
	    get_count(counts, "instances", &m->instances, err) ||
	    get_u64(counts, "instance_bytes", &m->instance_bytes, err) ||
	    get_count(counts, "quarantined", &m->quarantined, err))
		return pdg_err_set(err, PDG_E_INVALID, "manifest: 'counts' is malformed");
	if (!json_is_object(prof) || get_str(prof, "id", m->profile, sizeof(m->profile), err) ||
	    get_str(prof, "title", m->profile_title, sizeof(m->profile_title), err))
		return pdg_err_set(err, PDG_E_INVALID, "manifest: 'profile' is malformed");
	return parse_segments(json_object_get(doc, "segments"), m, err);
}

enum pdg_code pdg_medium_manifest_parse(const char *text, size_t len,
					struct pdg_medium_manifest *m, struct pdg_err *err)
{
	json_error_t jerr;
	enum pdg_code rc;
	json_t *doc;

	*m = (struct pdg_medium_manifest){ 0 };
	if (len > PDG_MEDIUM_MAN_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "manifest: larger than %d bytes",
				   PDG_MEDIUM_MAN_MAX);
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return pdg_err_set(err, PDG_E_INVALID, "manifest: not valid JSON (line %d)",
				   jerr.line);
	rc = json_is_object(doc) ? parse_doc(doc, m, err)
				 : pdg_err_set(err, PDG_E_INVALID, "manifest: not a JSON object");
	json_decref(doc);
	return rc;
}

void pdg_medium_manifest_release(struct pdg_medium_manifest *m)
{
	if (!m)
		return;
	free(m->segments);
	m->segments = NULL;
	m->nsegments = 0;
}
