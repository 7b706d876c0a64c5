/* SPDX-License-Identifier: MIT */
/* PDIGATE.JSN: writing it while building a file set, and parsing it with bounds for checks. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "lib/version.h"
#include "pdi/fileset_int.h"
#include "pdi/manifest.h"
#include "pdi/tree.h"

int pdg_pdi_path_safe(const char *path)
{
	size_t len = strlen(path), comp = 0;
	const char *start = path;

	if (len == 0 || len >= PDG_PDI_PATH_MAX || path[0] == '/')
		return 0;
	for (const char *p = path;; p++) {
		if (*p == '/' || *p == '\0') {
			comp = (size_t)(p - start);
			if (comp == 0 || (comp == 1 && start[0] == '.') ||
			    (comp == 2 && start[0] == '.' && start[1] == '.'))
				return 0;
			if (*p == '\0')
				return 1;
			start = p + 1;
			continue;
		}
		if (*p < 0x20 || *p >= 0x7f || *p == '\\' || *p == ':')
			return 0;
	}
}

static json_t *counts_json(const struct pdg_fileset_counts *c)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "patients", (json_int_t)c->patients, "studies",
			 (json_int_t)c->studies, "series", (json_int_t)c->series, "instances",
			 (json_int_t)c->instances, "bytes", (json_int_t)c->bytes);
}

static int set_opt(json_t *obj, const char *key, const char *v)
{
	return v ? json_object_set_new(obj, key, json_string(v)) : 0;
}

static int by_file_id(const void *key, const void *elem)
{
	return strcmp(key, ((const struct pdg_fs_item *)elem)->file_id);
}

/* The SHA-256 the caller gave for the instance at path, if its size is still the same. */
static const uint8_t *known_hash(const struct pdg_fs_item *items, size_t n, const char *path,
				 uint64_t size)
{
	const struct pdg_fs_item *it;

	if (!items || strncmp(path, "DICOM/", 6))
		return NULL;
	it = bsearch(path, items, n, sizeof(*items), by_file_id);
	return it && it->has_sha256 && it->size == size ? it->sha256 : NULL;
}

static enum pdg_code add_file(json_t *arr, const char *path, uint64_t size, const char *hex,
			      struct pdg_fileset_counts *c, struct pdg_err *err)
{
	if (json_array_append_new(arr, json_pack("{s:s,s:I,s:s}", "path", path, "size",
						 (json_int_t)size, "sha256", hex)))
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	c->files++;
	c->total_bytes += size;
	return PDG_OK;
}

static void to_hex(const uint8_t *b, char hex[65])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[b[i] >> 4];
		hex[2 * i + 1] = digits[b[i] & 15];
	}
	hex[64] = '\0';
}

/*
 * The files array over everything in stage but the manifest itself, merged in path order
 * with the items that are not in the stage (their size and hash as given).
 */
static enum pdg_code files_json(const char *stage, const struct pdg_fs_item *items, size_t n,
				json_t *arr, struct pdg_fileset_counts *c, struct pdg_err *err)
{
	struct pdg_pdi_tree t;
	enum pdg_code rc;
	size_t x = 0;

	rc = pdg_pdi_tree_read(stage, &t, err);
	for (size_t i = 0; !rc && (i < t.n || x < n);) {
		char path[PATH_MAX], hex[65];
		const uint8_t *known;
		uint64_t size;

		if (x < n && items[x].placed) {
			x++;
			continue;
		}
		if (x < n && (i == t.n || strcmp(items[x].file_id, t.files[i].path) < 0)) {
			if (!items[x].has_sha256) {
				rc = pdg_err_set(err, PDG_E_INVALID, "'%s': no SHA-256",
						 items[x].file_id);
				break;
			}
			to_hex(items[x].sha256, hex);
			rc = add_file(arr, items[x].file_id, items[x].size, hex, c, err);
			x++;
			continue;
		}
		if (!strcmp(t.files[i].path, PDG_MANIFEST_NAME)) {
			i++;
			continue;
		}
		if (!t.files[i].regular) {
			rc = pdg_err_set(err, PDG_E_INVALID, "'%s' is not a regular file",
					 t.files[i].path);
			break;
		}
		known = known_hash(items, n, t.files[i].path, t.files[i].size);
		if (known) {
			to_hex(known, hex);
			size = t.files[i].size;
		} else {
			snprintf(path, sizeof(path), "%s/%s", stage, t.files[i].path);
			rc = pdg_pdi_sha256_file(path, hex, &size, err);
			if (rc)
				break;
		}
		rc = add_file(arr, t.files[i].path, size, hex, c, err);
		i++;
	}
	pdg_pdi_tree_release(&t);
	return rc;
}

enum pdg_code pdg_fs_write_manifest(const char *stage, const struct pdg_fs_item *items, size_t n,
				    const struct pdg_fileset_opts *o, struct pdg_fileset_counts *c,
				    struct pdg_err *err)
{
	json_t *root, *files, *deid;
	char path[PATH_MAX];
	enum pdg_code rc;
	struct stat st;
	int bad;

	root = json_object();
	files = json_array();
	deid = json_object();
	bad = !root || !files || !deid;
	bad = bad || json_object_set_new(root, "format", json_string(PDG_MANIFEST_FORMAT)) ||
	      json_object_set_new(root, "version", json_integer(PDG_MANIFEST_VERSION)) ||
	      json_object_set_new(root, "software", json_string("pdigate " PDG_VERSION)) ||
	      set_opt(root, "package_id", o->package_id) || set_opt(root, "created", o->created) ||
	      json_object_set_new(root, "fileset",
				  json_pack("{s:s,s:s,s:s}", "id",
					    o->fileset_id ? o->fileset_id : PDG_FILESET_DEFAULT_ID,
					    "uid", c->fileset_uid, "profile", c->profile)) ||
	      json_object_set_new(root, "counts", counts_json(c)) ||
	      set_opt(deid, "profile", o->deid_profile) ||
	      set_opt(deid, "profile_version", o->deid_profile_version) ||
	      (o->deid_report && json_object_set_new(deid, "report",
						     json_deep_copy(o->deid_report))) ||
	      json_object_set(root, "deid", deid);
	json_decref(deid);
	if (bad) {
		json_decref(files);
		json_decref(root);
		return pdg_err_set(err, PDG_E_NOMEM, "cannot build the manifest");
	}
	rc = files_json(stage, items, n, files, c, err);
	if (!rc && json_object_set_new(root, "files", files))
		rc = pdg_err_set(err, PDG_E_NOMEM, "cannot build the manifest");
	else if (rc)
		json_decref(files);
	if (!rc) {
		FILE *f;

		rc = pdg_fs_create(stage, PDG_MANIFEST_NAME, &f, err);
		if (!rc) {
			if (json_dumpf(root, f, JSON_INDENT(1) | JSON_ENSURE_ASCII) ||
			    fputc('\n', f) == EOF) {
				fclose(f);
				rc = pdg_err_set(err, PDG_E_IO, "cannot write '%s'",
						 PDG_MANIFEST_NAME);
			} else {
				rc = pdg_fs_close(f, PDG_MANIFEST_NAME, err);
			}
		}
	}
	json_decref(root);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", stage, PDG_MANIFEST_NAME);
	if (stat(path, &st) != 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot stat '%s'", PDG_MANIFEST_NAME);
	c->files++;
	c->total_bytes += (uint64_t)st.st_size;
	return PDG_OK;
}

static int get_count(json_t *obj, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int hex_ok(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static enum pdg_code parse(json_t *root, struct pdg_manifest *m, struct pdg_err *err)
{
	json_t *fs = json_object_get(root, "fileset"), *counts = json_object_get(root, "counts");
	json_t *files = json_object_get(root, "files"), *v;
	uint64_t p, s, e, i;
	size_t idx;

	if (!json_is_object(root) ||
	    !json_is_string(v = json_object_get(root, "format")) ||
	    strcmp(json_string_value(v), PDG_MANIFEST_FORMAT))
		return pdg_err_set(err, PDG_E_INVALID, "not a pdigate manifest");
	if (!json_is_integer(v = json_object_get(root, "version")) ||
	    json_integer_value(v) != PDG_MANIFEST_VERSION)
		return pdg_err_set(err, PDG_E_INVALID, "unsupported manifest version");
	if (!json_is_object(fs) || !json_is_object(counts) || !json_is_array(files))
		return pdg_err_set(err, PDG_E_INVALID, "manifest lacks fileset, counts or files");
	if (get_count(counts, "patients", &p) || get_count(counts, "studies", &s) ||
	    get_count(counts, "series", &e) || get_count(counts, "instances", &i) ||
	    get_count(counts, "bytes", &m->bytes))
		return pdg_err_set(err, PDG_E_INVALID, "manifest counts are not numbers");
	m->patients = (size_t)p, m->studies = (size_t)s, m->series = (size_t)e;
	m->instances = (size_t)i;
	if (json_is_string(v = json_object_get(fs, "profile")))
		snprintf(m->profile, sizeof(m->profile), "%s", json_string_value(v));
	if (json_is_string(v = json_object_get(fs, "uid")))
		snprintf(m->fileset_uid, sizeof(m->fileset_uid), "%s", json_string_value(v));
	if (json_array_size(files) > PDG_PDI_MAX_FILES)
		return pdg_err_set(err, PDG_E_LIMIT, "manifest lists too many files");
	m->files = calloc(json_array_size(files) + 1, sizeof(*m->files));
	if (!m->files)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	json_array_foreach(files, idx, v) {
		json_t *jp = json_object_get(v, "path"), *js = json_object_get(v, "size");
		json_t *jh = json_object_get(v, "sha256");
		struct pdg_manifest_file *f = &m->files[m->n];

		if (!json_is_string(jp) || !json_is_integer(js) || json_integer_value(js) < 0 ||
		    !json_is_string(jh) || !hex_ok(json_string_value(jh)))
			return pdg_err_set(err, PDG_E_INVALID, "manifest file entry %zu is malformed",
					   idx);
		if (!pdg_pdi_path_safe(json_string_value(jp)))
			return pdg_err_set(err, PDG_E_INVALID, "manifest file entry %zu has an unsafe "
					   "path", idx);
		if (m->n && strcmp(m->files[m->n - 1].path, json_string_value(jp)) >= 0)
			return pdg_err_set(err, PDG_E_INVALID, "manifest paths are not sorted or not "
					   "unique at entry %zu", idx);
		f->path = strdup(json_string_value(jp));
		if (!f->path)
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		f->size = (uint64_t)json_integer_value(js);
		memcpy(f->sha256, json_string_value(jh), 65);
		m->n++;
	}
	return PDG_OK;
}

enum pdg_code pdg_manifest_load(const char *path, struct pdg_manifest *m, struct pdg_err *err)
{
	json_error_t jerr;
	enum pdg_code rc;
	struct stat st;
	json_t *root;

	memset(m, 0, sizeof(*m));
	if (stat(path, &st) != 0)
		return pdg_err_sys(err, errno == ENOENT ? PDG_E_NOTFOUND : PDG_E_IO,
				   "cannot open '%s'", path);
	if (!S_ISREG(st.st_mode))
		return pdg_err_set(err, PDG_E_INVALID, "'%s' is not a regular file", path);
	if ((uint64_t)st.st_size > PDG_MANIFEST_MAX_BYTES)
		return pdg_err_set(err, PDG_E_LIMIT, "'%s' is larger than %u bytes", path,
				   PDG_MANIFEST_MAX_BYTES);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return pdg_err_set(err, PDG_E_INVALID, "'%s' is not valid JSON (line %d)", path,
				   jerr.line);
	rc = parse(root, m, err);
	json_decref(root);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct pdg_manifest_file *)a)->path,
		      ((const struct pdg_manifest_file *)b)->path);
}

enum pdg_code pdg_manifest_load_buffer(const char *buf, size_t len, const char *what,
				       struct pdg_manifest *m, struct pdg_err *err)
{
	json_error_t jerr;
	enum pdg_code rc;
	json_t *root;

	memset(m, 0, sizeof(*m));
	if (len > PDG_MANIFEST_MAX_BYTES)
		return pdg_err_set(err, PDG_E_LIMIT, "'%s' is larger than %u bytes", what,
				   PDG_MANIFEST_MAX_BYTES);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return pdg_err_set(err, PDG_E_INVALID, "'%s' is not valid JSON (line %d)", what,
				   jerr.line);
	rc = parse(root, m, err);
	json_decref(root);
	return rc;
}

const struct pdg_manifest_file *pdg_manifest_find(const struct pdg_manifest *m, const char *path)
{
	struct pdg_manifest_file key = { .path = (char *)path };

	if (!m->n)
		return NULL;
	return bsearch(&key, m->files, m->n, sizeof(*m->files), by_path);
}

void pdg_manifest_release(struct pdg_manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->files[i].path);
	free(m->files);
	memset(m, 0, sizeof(*m));
}
