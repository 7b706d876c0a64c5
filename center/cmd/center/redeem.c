/* SPDX-License-Identifier: MIT */
/* pdigate-center redeem: the scan desk releases packages by scanning their tokens (libcurl). */
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/home/fsutil.h"
#include "center/cmd/center/cmds.h"
#include "center/server/password.h"
#include "lib/log.h"
#include "tokens/codec.h"
#include "tokens/scan.h"

static const char usage_text[] =
	"usage: pdigate-center redeem --url <https://center:port> --cacert <ca.crt>\n"
	"         (--cert <staff.crt> --key <staff.key> | --login <name> --password-file <file>)\n"
	"         [--pdf <sheet.pdf> | --image <scan.png>] [--json]\n"
	"\n"
	"Release packages to their data centers: reads tokens one per line from a scanner (or\n"
	"standard input), or every QR code of a token sheet PDF or an image, and redeems each at\n"
	"the service center. Prints, per token, the package id and 'released to <data center>'\n"
	"or why it was refused. The secret part of a token is never printed.\n"
	"\n"
	"exit status: 0 every token released; 1 a token was refused or the center failed; 2 usage\n";

struct buf {
	char data[16384];
	size_t len;
};

struct desk {
	CURL *curl;
	const char *url;
	char bearer[128];
	struct buf resp;
	int json;
	json_t *results;
	unsigned released, refused;
	int fatal;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ctx)
{
	struct buf *b = ctx;
	size_t len = sz * n;

	if (len > sizeof(b->data) - 1 - b->len)
		return 0;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* POST body (JSON) to path; status into *status, the response in d->resp. 0, or -1. */
static int post(struct desk *d, const char *path, const char *body, long *status)
{
	char url[1024];
	struct curl_slist *h = NULL;
	CURLcode cc;

	snprintf(url, sizeof(url), "%s%s", d->url, path);
	h = curl_slist_append(h, "Content-Type: application/json");
	if (d->bearer[0])
		h = curl_slist_append(h, d->bearer);
	d->resp.len = 0;
	d->resp.data[0] = '\0';
	curl_easy_setopt(d->curl, CURLOPT_URL, url);
	curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, body);
	cc = curl_easy_perform(d->curl);
	curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	if (cc != CURLE_OK) {
		pdg_log(PDG_LOG_ERR, "cannot reach the service center: %s", curl_easy_strerror(cc));
		return -1;
	}
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

static void outcome(struct desk *d, const char *pkg, int ok, const char *code, const char *text)
{
	if (ok)
		d->released++;
	else
		d->refused++;
	if (d->json) {
		json_array_append_new(d->results, json_pack("{s:s?, s:b, s:s, s:s}", "package_id",
							    pkg, "released", ok, "code", code,
							    "message", text));
		return;
	}
	if (ok)
		printf("%s: released to %s\n", pkg, text);
	else
		printf("%s: refused: %s\n", pkg ? pkg : "(not a token)", text);
	fflush(stdout);
}

static enum pdg_code redeem_one(struct desk *d, const char *text)
{
	struct pdg_token tok;
	struct pdg_token_text t;
	enum pdg_token_fault fault;
	struct pdg_err err;
	char body[160];
	long status = 0;
	json_t *j, *e;

	if (d->fatal)
		return PDG_OK;
	if (pdg_token_decode(text, &tok, &fault, &err)) {
		outcome(d, NULL, 0, "token_invalid", err.msg);
		return PDG_OK;
	}
	if (pdg_token_encode(&tok, &t, &err)) {
		pdg_token_wipe(&tok);
		return PDG_OK;
	}
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", t.qr);
	pdg_token_text_wipe(&t);
	if (post(d, "/v1/redeem", body, &status)) {
		d->fatal = 1;
		outcome(d, tok.pkgid, 0, "unreachable", "the service center cannot be reached");
		goto out;
	}
	j = json_loads(d->resp.data, 0, NULL);
	if (status == 200) {
		outcome(d, tok.pkgid, 1, "released",
			json_string_value(json_object_get(j, "data_center")) ?: "?");
	} else {
		e = json_object_get(j, "error");
		outcome(d, tok.pkgid, 0, json_string_value(json_object_get(e, "code")) ?: "error",
			json_string_value(json_object_get(e, "message")) ?: "the service center refused");
		if (status == 401)
			d->fatal = 1;
	}
	json_decref(j);
out:
	OPENSSL_cleanse(body, sizeof(body));
	pdg_token_wipe(&tok);
	return PDG_OK;
}

static enum pdg_code on_symbol(void *ctx, unsigned page, unsigned symbol, const char *text)
{
	(void)page;
	(void)symbol;
	return redeem_one(ctx, text);
}

static int login(struct desk *d, const char *name, const char *pwfile)
{
	char *pw = NULL, *body;
	size_t len = 0;
	struct pdg_err err;
	long status = 0;
	json_t *req, *j;
	const char *tok;
	int rc = -1;

	if (pdg_read_file(pwfile, PDG_PW_MAX + 2, &pw, &len, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return -1;
	}
	while (len && (pw[len - 1] == '\n' || pw[len - 1] == '\r'))
		pw[--len] = '\0';
	req = json_pack("{s:s, s:s}", "login", name, "password", pw);
	OPENSSL_cleanse(pw, len);
	free(pw);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body)
		return -1;
	if (!post(d, "/v1/login", body, &status)) {
		j = json_loads(d->resp.data, 0, NULL);
		tok = json_string_value(json_object_get(j, "token"));
		if (status == 200 && tok) {
			snprintf(d->bearer, sizeof(d->bearer), "Authorization: Bearer %s", tok);
			rc = 0;
		} else {
			pdg_log(PDG_LOG_ERR, "login refused: %s",
				json_string_value(json_object_get(json_object_get(j, "error"),
								  "message")) ?: "?");
		}
		json_decref(j);
		OPENSSL_cleanse(d->resp.data, d->resp.len);
	}
	OPENSSL_cleanse(body, strlen(body));
	free(body);
	return rc;
}

static void read_lines(struct desk *d)
{
	char line[2 * PDG_TOKEN_INPUT_MAX];

	while (!d->fatal && fgets(line, sizeof(line), stdin)) {
		size_t len = strlen(line);

		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (strspn(line, " \t") == len)
			continue;       /* scanners may send a bare Enter */
		redeem_one(d, line);
	}
	OPENSSL_cleanse(line, sizeof(line));
}

int center_redeem(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "cacert", required_argument, NULL, 'a' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "login", required_argument, NULL, 'l' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "pdf", required_argument, NULL, 'P' },
		{ "image", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct desk *d = calloc(1, sizeof(*d));
	const char *ca = NULL, *cert = NULL, *key = NULL, *name = NULL, *pwfile = NULL;
	const char *pdf = NULL, *image = NULL;
	struct pdg_err err = { 0 };
	int ch, rc = 1;

	if (!d)
		return 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': d->url = optarg; break;
		case 'a': ca = optarg; break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'l': name = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'P': pdf = optarg; break;
		case 'i': image = optarg; break;
		case 'j': d->json = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			free(d);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc || !d->url || !ca || (pdf && image) || !!cert != !!key ||
	    !!name != !!pwfile || !!cert == !!name || strncmp(d->url, "https://", 8))
		goto usage;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	d->curl = curl_easy_init();
	if (!d->curl)
		goto out;
	curl_easy_setopt(d->curl, CURLOPT_CAINFO, ca);
	curl_easy_setopt(d->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, &d->resp);
	curl_easy_setopt(d->curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(d->curl, CURLOPT_PROTOCOLS_STR, "https");
	if (cert) {
		curl_easy_setopt(d->curl, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(d->curl, CURLOPT_SSLKEY, key);
	} else if (login(d, name, pwfile)) {
		goto out;
	}
	if (d->json)
		d->results = json_array();
	if (pdf || image) {
		struct pdg_scan_sink sink = { on_symbol, d };

		if (pdf ? pdg_scan_pdf(pdf, &sink, NULL, &err) : pdg_scan_png(image, &sink, NULL, &err)) {
			pdg_log(PDG_LOG_ERR, "%s", err.msg);
			goto out;
		}
	} else {
		read_lines(d);
	}
	if (d->json) {
		json_t *doc = json_pack("{s:o, s:I, s:I}", "results", d->results, "released",
					(json_int_t)d->released, "refused", (json_int_t)d->refused);
		char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

		json_decref(doc);

		d->results = NULL;
		if (s)
			puts(s);
		free(s);
	}
	rc = d->refused || d->fatal || !d->released ? 1 : 0;
	if (!d->released && !d->refused)
		pdg_log(PDG_LOG_ERR, "no token was read");
out:
	if (d->curl)
		curl_easy_cleanup(d->curl);
	json_decref(d->results);
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
	return rc;
usage:
	fputs(usage_text, stderr);
	free(d);
	return 2;
}
