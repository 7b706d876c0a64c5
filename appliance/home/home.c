/* SPDX-License-Identifier: MIT */
/* The appliance home: where it is, creating it, and reading its config.ini. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"
#include "appliance/home/internal.h"
#include "lib/crypto/age.h"
#include "lib/crypto/signify.h"

const char *pdg_home_path(const char *override)
{
	const char *env;

	if (override && *override)
		return override;
	env = getenv("PDIGATE_HOME");
	if (env && *env)
		return env;
	return PDG_HOME_DEFAULT;
}

int pdg_name_valid(const char *name)
{
	size_t n;

	if (!name || !*name || name[0] == '.' || name[0] == '-')
		return 0;
	for (n = 0; name[n]; n++) {
		char c = name[n];

		if (n >= PDG_NAME_MAX - 1)
			return 0;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* Empty folder or absent: 1; a folder with entries or anything else: 0. */
static int absent_or_empty(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	int empty = 1;

	if (!d)
		return errno == ENOENT;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* UUID version 4 (RFC 9562 §5.4) from 16 random bytes. */
static enum pdg_code make_uuid(char out[PDG_APPLIANCE_ID_MAX], struct pdg_err *err)
{
	uint8_t b[16];
	enum pdg_code rc = pdg_random_bytes(b, sizeof(b), err);

	if (rc)
		return rc;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, PDG_APPLIANCE_ID_MAX,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
	return PDG_OK;
}

enum pdg_code pdg_home_config_write(const char *home, const struct pdg_home_config *cfg,
				    int flags, struct pdg_err *err)
{
	char path[PATH_MAX], text[1024];
	int n;

	n = snprintf(text, sizeof(text),
		     "# pdigate appliance configuration (docs/appliance-home.md)\n"
		     "[appliance]\n"
		     "site = %s\n"
		     "id = %s\n"
		     "created = %s\n"
		     "\n"
		     "# The link table (original patient ID <-> pseudonym) is encrypted to this\n"
		     "# recipient; its identity is in keys/admin.age, under the admin passphrase.\n"
		     "[linktab]\n"
		     "recipient = %s\n",
		     cfg->site, cfg->appliance_id, cfg->created, cfg->admin_recipient);
	if (n < 0 || (size_t)n >= sizeof(text))
		return pdg_err_set(err, PDG_E_LIMIT, "configuration too long");
	if (pdg_path_join(path, sizeof(path), home, PDG_HOME_CONFIG, err))
		return err->code;
	return pdg_write_atomic(path, text, (size_t)n, 0600, flags, err);
}

static int config_entry(void *user, const char *section, const char *name, const char *value)
{
	struct pdg_home_config *c = user;

	if (!strcmp(section, "appliance")) {
		if (!strcmp(name, "site"))
			return pdg_str_copy(c->site, sizeof(c->site), value);
		if (!strcmp(name, "id"))
			return pdg_str_copy(c->appliance_id, sizeof(c->appliance_id), value);
		if (!strcmp(name, "created"))
			return pdg_str_copy(c->created, sizeof(c->created), value);
	} else if (!strcmp(section, "linktab") && !strcmp(name, "recipient")) {
		return pdg_str_copy(c->admin_recipient, sizeof(c->admin_recipient), value);
	}
	return 1; /* unknown keys are kept for newer versions, and ignored */
}

enum pdg_code pdg_home_config_load(const char *home, struct pdg_home_config *out,
				   struct pdg_err *err)
{
	char path[PATH_MAX];
	int line;

	*out = (struct pdg_home_config){ 0 };
	if (pdg_path_join(path, sizeof(path), home, PDG_HOME_CONFIG, err))
		return err->code;
	line = ini_parse(path, config_entry, out);
	if (line == -1) {
		if (errno == ENOENT)
			return pdg_err_set(err, PDG_E_NOTFOUND,
					   "no pdigate home at '%s' (run 'pdigate init')", home);
		return pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", path);
	}
	if (line == -2)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory reading '%s'", path);
	if (line > 0)
		return pdg_err_set(err, PDG_E_INVALID, "'%s' line %d: malformed", path, line);
	if (!pdg_name_valid(out->site) || !out->appliance_id[0])
		return pdg_err_set(err, PDG_E_INVALID, "'%s' lacks a valid site or id", path);
	return PDG_OK;
}

/*
 * The administrator's link-table identity: keys/admin.age (the identity in age-keygen's
 * format, sealed with the passphrase) and its recipient in cfg.
 */
static enum pdg_code make_admin_key(const char *stage, const char *passphrase,
				    struct pdg_home_config *cfg, struct pdg_err *err)
{
	struct pdg_age_to to = { .passphrase = passphrase, .passphrase_len = strlen(passphrase) };
	char identity[PDG_AGE_IDENTITY_LEN + 1], text[256], path[PATH_MAX];
	uint8_t *ct = NULL;
	size_t ctlen = 0;
	enum pdg_code rc;
	int n;

	rc = pdg_age_keygen(identity, cfg->admin_recipient, err);
	if (rc)
		return rc;
	n = snprintf(text, sizeof(text), "# created: %s\n# public key: %s\n%s\n", cfg->created,
		     cfg->admin_recipient, identity);
	OPENSSL_cleanse(identity, sizeof(identity));
	rc = pdg_age_encrypt_mem(&to, text, (size_t)n, &ct, &ctlen, err);
	OPENSSL_cleanse(text, sizeof(text));
	if (!rc)
		rc = pdg_path_join(path, sizeof(path), stage, PDG_HOME_ADMIN_KEY, err);
	if (!rc)
		rc = pdg_write_atomic(path, ct, ctlen, 0600, PDG_WRITE_NOREPLACE, err);
	free(ct);
	return rc;
}

/*
 * The appliance's signing key (signify, Ed25519, no passphrase: the appliance signs
 * manifests unattended). The public key is no secret, but gets 0600 like every file here.
 */
static enum pdg_code make_signing_key(const char *stage, const char *id, struct pdg_err *err)
{
	char sec[PATH_MAX], pub[PATH_MAX], comment[PDG_APPLIANCE_ID_MAX + 32];
	enum pdg_code rc;

	snprintf(comment, sizeof(comment), "pdigate appliance %s", id);
	rc = pdg_path_join(sec, sizeof(sec), stage, PDG_HOME_SIGNING_SEC, err);
	if (!rc)
		rc = pdg_path_join(pub, sizeof(pub), stage, PDG_HOME_SIGNING_PUB, err);
	if (!rc)
		rc = pdg_signify_keygen(sec, pub, comment, NULL, err);
	if (!rc && chmod(pub, 0600) < 0)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot set the mode of '%s'", pub);
	return rc;
}

/* Fill the staging folder: sub-folders, config, keys. */
static enum pdg_code populate(const char *stage, const char *site, const char *passphrase,
			      struct pdg_err *err)
{
	static const char *const dirs[] = { PDG_HOME_KEYS, PDG_HOME_PROJECTS, PDG_HOME_STATE,
					    PDG_HOME_LINKTAB };
	struct pdg_home_config cfg = { 0 };
	char path[PATH_MAX];
	enum pdg_code rc;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (pdg_path_join(path, sizeof(path), stage, dirs[i], err))
			return err->code;
		if (mkdir(path, 0700) < 0 || chmod(path, 0700) < 0)
			return pdg_err_sys(err, PDG_E_IO, "cannot create folder '%s'", path);
	}
	memcpy(cfg.site, site, strlen(site) + 1);
	pdg_utc_now(cfg.created, sizeof(cfg.created));
	rc = make_uuid(cfg.appliance_id, err);
	if (rc)
		return rc;
	rc = make_signing_key(stage, cfg.appliance_id, err);
	if (rc)
		return rc;
	if (passphrase) {
		rc = make_admin_key(stage, passphrase, &cfg, err);
		if (rc)
			return rc;
	}
	rc = pdg_home_config_write(stage, &cfg, PDG_WRITE_NOREPLACE, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (pdg_path_join(path, sizeof(path), stage, dirs[i], err))
			return err->code;
		rc = pdg_fsync_dir(path, err);
		if (rc)
			return rc;
	}
	return pdg_fsync_dir(stage, err);
}

static enum pdg_code init(const char *path, const char *site, const char *passphrase,
			  struct pdg_err *err)
{
	char parent[PATH_MAX], stage[PATH_MAX];
	const char *base, *slash;
	enum pdg_code rc;
	size_t plen;
	int n;

	if (!pdg_name_valid(site))
		return pdg_err_set(err, PDG_E_INVALID,
				   "site name must be 1..63 characters of A-Z a-z 0-9 _ . -");
	if (passphrase && strlen(passphrase) < PDG_ADMIN_PASSPHRASE_MIN)
		return pdg_err_set(err, PDG_E_POLICY,
				   "the administrator passphrase needs at least %d characters",
				   PDG_ADMIN_PASSPHRASE_MIN);
	if (!absent_or_empty(path))
		return pdg_err_set(err, PDG_E_EXISTS, "'%s' already exists and is not empty", path);

	/* build beside the home, then rename: a crash leaves a complete home or none */
	plen = strlen(path);
	while (plen > 1 && path[plen - 1] == '/')
		plen--;
	if (plen >= sizeof(parent))
		return pdg_err_set(err, PDG_E_LIMIT, "path too long: '%s'", path);
	memcpy(parent, path, plen);
	parent[plen] = '\0';
	slash = strrchr(parent, '/');
	if (slash && slash == parent) {
		base = parent + 1;
		n = snprintf(stage, sizeof(stage), "/.%s.init.XXXXXX", base);
		parent[1] = '\0';
	} else if (slash) {
		base = slash + 1;
		n = snprintf(stage, sizeof(stage), "%.*s/.%s.init.XXXXXX", (int)(slash - parent),
			     parent, base);
		parent[slash - parent] = '\0';
	} else {
		n = snprintf(stage, sizeof(stage), ".%s.init.XXXXXX", parent);
		memcpy(parent, ".", 2);
	}
	if (n < 0 || (size_t)n >= sizeof(stage))
		return pdg_err_set(err, PDG_E_LIMIT, "path too long: '%s'", path);
	if (!mkdtemp(stage)) {
		if (errno == ENOENT)
			return pdg_err_set(err, PDG_E_NOTFOUND, "folder '%s' does not exist", parent);
		return pdg_err_sys(err, PDG_E_IO, "cannot create a folder in '%s'", parent);
	}
	rc = populate(stage, site, passphrase, err);
	if (rc)
		goto fail;
	/* rename(2) replaces an empty folder and refuses a non-empty one */
	if (rename(stage, path) < 0) {
		if (errno == ENOTEMPTY || errno == EEXIST)
			rc = pdg_err_set(err, PDG_E_EXISTS, "'%s' already exists and is not empty",
					 path);
		else
			rc = pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", path);
		goto fail;
	}
	return pdg_fsync_dir(parent, err);
fail:
	(void)nftw(stage, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return rc;
}

enum pdg_code pdg_home_init(const char *path, const char *site, struct pdg_err *err)
{
	return init(path, site, NULL, err);
}

enum pdg_code pdg_home_init_admin(const char *path, const char *site,
				  const char *admin_passphrase, struct pdg_err *err)
{
	if (!admin_passphrase)
		return pdg_err_set(err, PDG_E_INVALID, "no administrator passphrase");
	return init(path, site, admin_passphrase, err);
}
