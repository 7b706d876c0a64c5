/* SPDX-License-Identifier: MIT */
/* Projects: projects/NAME.ini (profile, recipients) and projects/NAME.secret (HMAC key). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "lib/crypto/age.h"

static const char *const profiles[] = { "ps315-basic", "jp-pseudonymized", "jp-anonymized" };

int pdg_profile_known(const char *profile)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (profile && !strcmp(profile, profiles[i]))
			return 1;
	return 0;
}

int pdg_recipient_valid(const char *s)
{
	struct pdg_err err;

	/* lib/crypto decodes the bech32 and checks the checksum, length and padding */
	return s && !strncmp(s, "age1", 4) && pdg_age_recipient_check(s, &err) == PDG_OK;
}

static enum pdg_code project_paths(const char *home, const char *name, char *ini, char *secret,
				   struct pdg_err *err)
{
	int a = snprintf(ini, PATH_MAX, "%s/%s/%s.ini", home, PDG_HOME_PROJECTS, name);
	int b = snprintf(secret, PATH_MAX, "%s/%s/%s.secret", home, PDG_HOME_PROJECTS, name);

	if (a < 0 || b < 0 || a >= PATH_MAX || b >= PATH_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "home path too long: '%s'", home);
	return PDG_OK;
}

static enum pdg_code need_home(const char *home, struct pdg_err *err)
{
	struct pdg_home_config cfg;

	return pdg_home_config_load(home, &cfg, err);
}

enum pdg_code pdg_project_add(const char *home, const char *name, const char *profile,
			      const char *const *recipients, size_t nrecipients,
			      struct pdg_err *err)
{
	char ini[PATH_MAX], secret_path[PATH_MAX], created[PDG_TIME_MAX], text[4096];
	uint8_t secret[PDG_SECRET_BYTES];
	enum pdg_code rc;
	size_t len;
	int n;

	if (!pdg_name_valid(name))
		return pdg_err_set(err, PDG_E_INVALID,
				   "project name must be 1..63 characters of A-Z a-z 0-9 _ . -");
	if (!pdg_profile_known(profile))
		return pdg_err_set(err, PDG_E_INVALID,
				   "unknown profile '%s' (ps315-basic, jp-pseudonymized, jp-anonymized)",
				   profile ? profile : "");
	if (nrecipients > PDG_MAX_RECIPIENTS)
		return pdg_err_set(err, PDG_E_LIMIT, "at most %d recipients", PDG_MAX_RECIPIENTS);
	for (size_t i = 0; i < nrecipients; i++)
		if (!pdg_recipient_valid(recipients[i]))
			return pdg_err_set(err, PDG_E_INVALID,
					   "recipient %zu is not an age X25519 recipient (age1...)",
					   i + 1);
	rc = need_home(home, err);
	if (rc)
		return rc;
	rc = project_paths(home, name, ini, secret_path, err);
	if (rc)
		return rc;
	if (access(ini, F_OK) == 0)
		return pdg_err_set(err, PDG_E_EXISTS, "project '%s' already exists", name);

	pdg_utc_now(created, sizeof(created));
	n = snprintf(text, sizeof(text),
		     "# pdigate project (docs/appliance-home.md); its secret is in %s.secret\n"
		     "[project]\n"
		     "name = %s\n"
		     "profile = %s\n"
		     "created = %s\n",
		     name, name, profile, created);
	len = (size_t)n;
	for (size_t i = 0; i < nrecipients; i++) {
		n = snprintf(text + len, sizeof(text) - len, "recipient = %s\n", recipients[i]);
		len += (size_t)n;
	}
	n = snprintf(text + len, sizeof(text) - len,
		     "\n"
		     "# De-identification options added to (+) or taken from (-) the profile,\n"
		     "# and the date-shift range in days (docs/deid-profiles.md), e.g.\n"
		     "[deid]\n"
		     "# options = +retain-long-modified-dates, -clean-descriptors\n"
		     "# date-shift-min = -365\n"
		     "# date-shift-max = -1\n"
		     "\n"
		     "# Per-attribute overrides of the profile (docs/deid-profiles.md): keep, remove,\n"
		     "# empty, dummy, uid, shift, year-month, year, pseudonym or a \"fixed value\", e.g.\n"
		     "[override]\n"
		     "# (0008,1030) = keep\n"
		     "# (0008,0080) = \"Research Site\"\n");
	len += (size_t)n;

	/* the secret first: a project is visible only once its .ini exists */
	rc = pdg_random_bytes(secret, sizeof(secret), err);
	if (!rc)
		rc = pdg_write_atomic(secret_path, secret, sizeof(secret), 0600,
				      PDG_WRITE_NOREPLACE, err);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc) {
		if (rc == PDG_E_EXISTS)
			return pdg_err_set(err, PDG_E_EXISTS,
					   "'%s' exists without its project file (left by an "
					   "interrupted 'project add'?); remove it to add project '%s'",
					   secret_path, name);
		return rc;
	}
	rc = pdg_write_atomic(ini, text, len, 0600, PDG_WRITE_NOREPLACE, err);
	if (rc)
		(void)unlink(secret_path);
	return rc;
}

static int project_entry(void *user, const char *section, const char *name, const char *value)
{
	struct pdg_project *p = user;

	if (strcmp(section, "project"))
		return 1; /* [deid] and [override] belong to the engine */
	if (!strcmp(name, "name"))
		return !strcmp(value, p->name);
	if (!strcmp(name, "profile"))
		return pdg_str_copy(p->profile, sizeof(p->profile), value);
	if (!strcmp(name, "created"))
		return pdg_str_copy(p->created, sizeof(p->created), value);
	if (!strcmp(name, "recipient")) {
		if (p->nrecipients >= PDG_MAX_RECIPIENTS || !pdg_recipient_valid(value))
			return 0;
		return pdg_str_copy(p->recipients[p->nrecipients++], PDG_RECIPIENT_MAX, value);
	}
	return 1;
}

static enum pdg_code read_secret(const char *path, uint8_t out[PDG_SECRET_BYTES],
				 struct pdg_err *err)
{
	struct stat st;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return pdg_err_sys(err, PDG_E_IO, "cannot stat '%s'", path);
	}
	/* fail closed: a secret others could have read is not a secret */
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		return pdg_err_set(err, PDG_E_POLICY, "'%s' must be a regular file of mode 0600",
				   path);
	}
	if (st.st_size != PDG_SECRET_BYTES) {
		close(fd);
		return pdg_err_set(err, PDG_E_INVALID, "'%s' must hold exactly %d bytes", path,
				   PDG_SECRET_BYTES);
	}
	do
		r = read(fd, out, PDG_SECRET_BYTES);
	while (r < 0 && errno == EINTR);
	close(fd);
	if (r != PDG_SECRET_BYTES) {
		OPENSSL_cleanse(out, PDG_SECRET_BYTES);
		return pdg_err_set(err, PDG_E_IO, "cannot read '%s'", path);
	}
	return PDG_OK;
}

static enum pdg_code load(const char *home, const char *name, struct pdg_project *out,
			  int with_secret, struct pdg_err *err)
{
	char ini[PATH_MAX], secret_path[PATH_MAX];
	enum pdg_code rc;
	int line;

	*out = (struct pdg_project){ 0 };
	if (!pdg_name_valid(name))
		return pdg_err_set(err, PDG_E_INVALID, "'%s' is not a valid project name", name);
	rc = project_paths(home, name, ini, secret_path, err);
	if (rc)
		return rc;
	memcpy(out->name, name, strlen(name) + 1);
	line = ini_parse(ini, project_entry, out);
	if (line == -1) {
		if (errno == ENOENT) {
			rc = need_home(home, err);
			if (rc)
				return rc;
			return pdg_err_set(err, PDG_E_NOTFOUND, "no project '%s'", name);
		}
		return pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", ini);
	}
	if (line == -2)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory reading '%s'", ini);
	if (line > 0)
		return pdg_err_set(err, PDG_E_INVALID, "'%s' line %d: malformed or invalid", ini,
				   line);
	if (!pdg_profile_known(out->profile))
		return pdg_err_set(err, PDG_E_INVALID, "'%s': unknown or missing profile", ini);
	memcpy(out->ini_path, ini, strlen(ini) + 1);
	if (with_secret)
		return read_secret(secret_path, out->secret, err);
	return PDG_OK;
}

enum pdg_code pdg_project_load(const char *home, const char *name, struct pdg_project *out,
			       struct pdg_err *err)
{
	enum pdg_code rc = load(home, name, out, 1, err);

	if (rc)
		pdg_project_wipe(out);
	return rc;
}

enum pdg_code pdg_project_describe(const char *home, const char *name, struct pdg_project *out,
				   struct pdg_err *err)
{
	return load(home, name, out, 0, err);
}

static int ini_name(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return n > 4 && !strcmp(de->d_name + n - 4, ".ini") && de->d_name[0] != '.';
}

enum pdg_code pdg_project_each(const char *home,
			       enum pdg_code (*fn)(const struct pdg_project *p, void *arg,
						   struct pdg_err *err),
			       void *arg, struct pdg_err *err)
{
	struct dirent **list = NULL;
	struct pdg_project p;
	char dir[PATH_MAX];
	enum pdg_code rc;
	int n;

	rc = need_home(home, err);
	if (rc)
		return rc;
	if (pdg_path_join(dir, sizeof(dir), home, PDG_HOME_PROJECTS, err))
		return err->code;
	n = scandir(dir, &list, ini_name, alphasort);
	if (n < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot list '%s'", dir);
	rc = PDG_OK;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(list[i]->d_name) - 4;
		char name[PDG_NAME_MAX];

		if (!rc && len < sizeof(name)) {
			memcpy(name, list[i]->d_name, len);
			name[len] = '\0';
			if (pdg_name_valid(name)) {
				rc = pdg_project_describe(home, name, &p, err);
				if (!rc)
					rc = fn(&p, arg, err);
			}
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

void pdg_project_wipe(struct pdg_project *p)
{
	if (p)
		OPENSSL_cleanse(p->secret, sizeof(p->secret));
}
