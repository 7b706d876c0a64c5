/* SPDX-License-Identifier: MIT */
/* Listing a file set's folder tree (sorted, bounded, symlinks never followed) and hashing files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "pdi/tree.h"

struct walker {
	struct pdg_pdi_tree *t;
	size_t cap;
	struct pdg_err *err;
};

static enum pdg_code add(struct walker *w, const char *rel, const struct stat *st)
{
	struct pdg_pdi_file *f;

	if (w->t->n >= PDG_PDI_MAX_FILES)
		return pdg_err_set(w->err, PDG_E_LIMIT, "more than %u files", PDG_PDI_MAX_FILES);
	if (w->t->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		f = realloc(w->t->files, cap * sizeof(*f));
		if (!f)
			return pdg_err_set(w->err, PDG_E_NOMEM, "out of memory listing files");
		w->t->files = f;
		w->cap = cap;
	}
	f = &w->t->files[w->t->n];
	f->path = strdup(rel);
	if (!f->path)
		return pdg_err_set(w->err, PDG_E_NOMEM, "out of memory listing files");
	f->size = (uint64_t)st->st_size;
	f->regular = S_ISREG(st->st_mode);
	w->t->n++;
	return PDG_OK;
}

/* dirfd is owned here and closed before returning. */
static enum pdg_code walk(struct walker *w, int dirfd, const char *rel, int depth)
{
	enum pdg_code rc = PDG_OK;
	struct dirent *de;
	DIR *d;

	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return pdg_err_sys(w->err, PDG_E_IO, "cannot read folder '%s'", *rel ? rel : ".");
	}
	while (!rc && (errno = 0, de = readdir(d)) != NULL) {
		char path[PDG_PDI_PATH_MAX];
		struct stat st;
		int n;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n = snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			rc = pdg_err_set(w->err, PDG_E_LIMIT, "a path below '%s' is too long",
					 *rel ? rel : ".");
			break;
		}
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = pdg_err_sys(w->err, PDG_E_IO, "cannot stat '%s'", path);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub;

			if (depth >= PDG_PDI_MAX_DEPTH) {
				rc = pdg_err_set(w->err, PDG_E_LIMIT, "'%s' is nested too deep", path);
				break;
			}
			sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				rc = pdg_err_sys(w->err, PDG_E_IO, "cannot open folder '%s'", path);
				break;
			}
			rc = walk(w, sub, path, depth + 1);
		} else {
			rc = add(w, path, &st);
		}
	}
	if (!rc && errno)
		rc = pdg_err_sys(w->err, PDG_E_IO, "cannot read folder '%s'", *rel ? rel : ".");
	closedir(d);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct pdg_pdi_file *)a)->path, ((const struct pdg_pdi_file *)b)->path);
}

enum pdg_code pdg_pdi_tree_read(const char *root, struct pdg_pdi_tree *t, struct pdg_err *err)
{
	struct walker w = { .t = t, .cap = 0, .err = err };
	enum pdg_code rc;
	int fd;

	t->files = NULL;
	t->n = 0;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pdg_err_sys(err, errno == ENOENT ? PDG_E_NOTFOUND : PDG_E_IO,
				   "cannot open folder '%s'", root);
	rc = walk(&w, fd, "", 0);
	if (!rc && t->n)
		qsort(t->files, t->n, sizeof(*t->files), by_path);
	return rc;
}

void pdg_pdi_tree_release(struct pdg_pdi_tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->files[i].path);
	free(t->files);
	t->files = NULL;
	t->n = 0;
}

const struct pdg_pdi_file *pdg_pdi_tree_find(const struct pdg_pdi_tree *t, const char *path)
{
	struct pdg_pdi_file key = { .path = (char *)path };

	if (!t->n)
		return NULL;
	return bsearch(&key, t->files, t->n, sizeof(*t->files), by_path);
}

enum pdg_code pdg_pdi_sha256_file(const char *path, char hex[65], uint64_t *size,
				  struct pdg_err *err)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	enum pdg_code rc = PDG_OK;
	unsigned int mdlen = 0;
	unsigned char *buf;
	EVP_MD_CTX *ctx;
	uint64_t total = 0;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", path);
	buf = malloc(1u << 20);
	ctx = EVP_MD_CTX_new();
	if (!buf || !ctx) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory hashing '%s'", path);
		goto out;
	}
	if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		rc = pdg_err_set(err, PDG_E_CRYPTO, "cannot start SHA-256");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, 1u << 20);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n)) {
			rc = pdg_err_set(err, PDG_E_CRYPTO, "SHA-256 failed");
			goto out;
		}
		total += (uint64_t)n;
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32) {
		rc = pdg_err_set(err, PDG_E_CRYPTO, "SHA-256 failed");
		goto out;
	}
	for (unsigned i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	*size = total;
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	close(fd);
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

enum pdg_code pdg_pdi_tree_remove(const char *root, struct pdg_err *err)
{
	struct stat st;

	if (lstat(root, &st) != 0 && errno == ENOENT)
		return PDG_OK;
	if (nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot remove '%s'", root);
	return PDG_OK;
}
