/* SPDX-License-Identifier: MIT */
/* pdigate token: read release tokens from a scanner, the keyboard, a PNG or a PDF. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "appliance/audit/hooks.h"
#include "appliance/cmd/cmds.h"
#include "appliance/cmd/passphrase.h"
#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"
#include "appliance/home/linktab.h"
#include "lib/err.h"
#include "appliance/print/print.h"
#include "lib/log.h"
#include "tokens/codec.h"
#include "tokens/hidpos.h"
#include "tokens/scan.h"
#include "tokens/sheetrec.h"

static const char usage_text[] =
	"usage: pdigate token read [--home <dir>] [--json] [--image FILE.png | --pdf FILE.pdf |\n"
	"                          --hidpos[=VID:PID] [--count N] [--idle SECONDS]]\n"
	"       pdigate token print SHEET.pdf --printer NAME [--home <dir>]\n"
	"       pdigate token reprint PKG (--printer NAME | --sheet OUT.pdf) [--home <dir>]\n"
	"                             [--passphrase-file <file>]\n"
	"\n"
	"Reads release tokens and reports, for each, whether it is well formed and its\n"
	"package id. The secret is never shown. Without --image or --pdf, reads one token\n"
	"per line from standard input: what a USB keyboard-wedge scanner or a person types.\n"
	"\n"
	"  --image FILE.png   decode every QR code in a PNG image (zbar)\n"
	"  --pdf FILE.pdf     render each page with pdftoppm and decode its QR codes\n"
	"  --hidpos[=VID:PID] read a USB HID point-of-sale scanner (usage page 0x8C) through\n"
	"                     libusb: the one named, else the first non-boot HID device with\n"
	"                     an interrupt-IN endpoint; stop after --count scans or --idle\n"
	"                     seconds without a scan (default: until interrupted)\n"
	"  --json             print one JSON document (docs/json-schema.md)\n"
	"\n"
	"print sends a token sheet (pdigate export --sheet) to the CUPS queue NAME and\n"
	"prints the CUPS job id; a missing, stopped or rejecting queue is an error.\n"
	"\n"
	"reprint renders the sheet of package PKG again from what export kept in the home\n"
	"(state/sheets/PKG.json) and prints it on NAME or writes it to OUT.pdf. The release\n"
	"secret is kept sealed to the administrator key: reprint asks for the administrator\n"
	"passphrase (or reads it from the first line of --passphrase-file).\n"
	"\n"
	"With a home (--home, $PDIGATE_HOME, else " PDG_HOME_DEFAULT ") every token read, sheet\n"
	"printed or reprinted, and refused reprint is recorded in its audit log.\n"
	"\n"
	"Exit status: 0 every token is well formed, 1 a token is malformed or none was\n"
	"found or reading failed, 2 usage error.\n";

struct reader {
	const char *home;       /* audit each token read to this home's log; NULL: no home */
	int json;
	json_t *results;        /* JSON mode: array of result objects */
	size_t ok, failed;
};

/* Report one text: decoded, never echoed. where is "line N" or "page P symbol S". */
static enum pdg_code report(struct reader *r, const char *src, unsigned a, unsigned b,
			    const char *text, struct pdg_err *err_out)
{
	struct pdg_token tok;
	struct pdg_err err = { 0 };
	enum pdg_token_fault fault = PDG_TOKEN_OK;
	uint8_t hash[PDG_TOKEN_HASH_BYTES];
	char hex[2 * PDG_TOKEN_HASH_BYTES + 1] = "";
	enum pdg_code rc = pdg_token_decode(text, &tok, &fault, &err);

	if (!rc) {
		rc = pdg_token_secret_hash(tok.secret, hash, &err);
		if (rc) {
			pdg_token_wipe(&tok);
			*err_out = err;
			return rc;
		}
		for (int i = 0; i < PDG_TOKEN_HASH_BYTES; i++)
			snprintf(hex + 2 * i, 3, "%02x", hash[i]);
	}
	if (r->home) {
		struct pdg_err aerr = { 0 };

		if (pdg_audit_hook_token_read(r->home, rc ? NULL : tok.pkgid,
					      rc ? pdg_token_fault_name(fault) : NULL, &aerr)) {
			pdg_token_wipe(&tok);
			OPENSSL_cleanse(hash, sizeof(hash));
			*err_out = aerr;
			return aerr.code;
		}
	}
	if (!rc)
		r->ok++;
	else
		r->failed++;
	if (r->json) {
		json_t *o = json_object();

		json_object_set_new(o, "source", json_string(src));
		if (b) {
			json_object_set_new(o, "page", json_integer(a));
			json_object_set_new(o, "symbol", json_integer(b));
		} else {
			json_object_set_new(o, strcmp(src, "stdin") ? "scan" : "line",
					    json_integer(a));
		}
		json_object_set_new(o, "status", json_string(rc ? "error" : "ok"));
		if (rc) {
			json_object_set_new(o, "error", json_string(pdg_token_fault_name(fault)));
			json_object_set_new(o, "message", json_string(err.msg));
		} else {
			json_object_set_new(o, "package_id", json_string(tok.pkgid));
			json_object_set_new(o, "secret", json_string("(hidden)"));
			json_object_set_new(o, "secret_sha256", json_string(hex));
		}
		json_array_append_new(r->results, o);
	} else {
		if (b)
			printf("%s page %u symbol %u: ", src, a, b);
		else
			printf("%s %u: ", strcmp(src, "stdin") ? "scan" : "line", a);
		if (rc)
			printf("error (%s): %s\n", pdg_token_fault_name(fault), err.msg);
		else
			printf("ok: package %s, secret (hidden)\n", tok.pkgid);
		fflush(stdout);
	}
	pdg_token_wipe(&tok);
	OPENSSL_cleanse(hash, sizeof(hash));
	return PDG_OK;
}

struct image_ctx {
	struct reader *r;
	const char *path;
	struct pdg_err *err;
};

static enum pdg_code on_symbol(void *ctx, unsigned page, unsigned symbol, const char *text)
{
	struct image_ctx *c = ctx;

	return report(c->r, c->path, page, symbol, text, c->err);
}

struct hidpos_ctx {
	struct reader *r;
	struct pdg_err *err;
};

static enum pdg_code on_scan(void *ctx, unsigned n, const char *text)
{
	struct hidpos_ctx *c = ctx;

	return report(c->r, "hidpos", n, 0, text, c->err);
}

/* A malformed scan: reported as a malformed token (the parser's reason is not secret). */
static enum pdg_code on_bad_scan(void *ctx, unsigned n, const char *why)
{
	struct hidpos_ctx *c = ctx;

	pdg_log(PDG_LOG_WARN, "scan %u: %s", n, why);
	return report(c->r, "hidpos", n, 0, "", c->err);
}

/* "VID:PID" (hex) into vendor, product; 0 or -1. */
static int parse_vidpid(const char *s, uint16_t *vendor, uint16_t *product)
{
	unsigned long v, p;
	char *end;

	v = strtoul(s, &end, 16);
	if (end == s || *end != ':' || v > 0xffff)
		return -1;
	s = end + 1;
	p = strtoul(s, &end, 16);
	if (end == s || *end || p > 0xffff)
		return -1;
	*vendor = (uint16_t)v;
	*product = (uint16_t)p;
	return 0;
}

static enum pdg_code read_lines(struct reader *r, FILE *in, struct pdg_err *err)
{
	char line[2 * PDG_TOKEN_INPUT_MAX];
	unsigned n = 0;
	enum pdg_code rc = PDG_OK;

	while (!rc && fgets(line, sizeof(line), in)) {
		size_t len = strlen(line);
		int too_long = 0;

		n++;
		if (len && line[len - 1] != '\n' && !feof(in)) {
			int c;

			/* a line that fills the buffer is no token: skip the rest of it */
			while ((c = getc(in)) != EOF && c != '\n')
				;
			too_long = 1;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!too_long && strspn(line, " \t") == len)
			continue; /* scanners may send a bare Enter */
		if (too_long)
			memset(line, '0', PDG_TOKEN_INPUT_MAX + 1); /* report it as too long */
		line[too_long ? PDG_TOKEN_INPUT_MAX + 1 : len] = '\0';
		rc = report(r, "stdin", n, 0, line, err);
	}
	OPENSSL_cleanse(line, sizeof(line));
	if (!rc && ferror(in))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot read standard input");
	return rc;
}

static int cmd_token_read(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "pdf", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "home", required_argument, NULL, 'H' },
		{ "hidpos", optional_argument, NULL, 'u' },
		{ "count", required_argument, NULL, 'c' },
		{ "idle", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct reader r = { 0 };
	uint16_t vendor = 0, product = 0;
	unsigned long count = 0, idle = 0;
	int hidpos = 0;
	char *end;
	struct pdg_home_config cfg;
	const char *home = NULL;
	struct pdg_err err = { 0 };
	const char *image = NULL, *pdf = NULL;
	enum pdg_code rc;
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': image = optarg; break;
		case 'p': pdf = optarg; break;
		case 'j': r.json = 1; break;
		case 'H': home = optarg; break;
		case 'u':
			hidpos = 1;
			if (optarg && parse_vidpid(optarg, &vendor, &product)) {
				pdg_log(PDG_LOG_ERR, "--hidpos takes VID:PID in hex, e.g. 0c2e:0b61");
				return 2;
			}
			break;
		case 'c':
		case 'I':
			errno = 0;
			*(c == 'c' ? &count : &idle) = strtoul(optarg, &end, 10);
			if (!optarg[0] || *end || errno || optarg[0] == '-' ||
			    (c == 'I' && idle > 86400) || (c == 'c' && count > 1000000)) {
				pdg_log(PDG_LOG_ERR, "--count and --idle take a number");
				return 2;
			}
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	if (optind != argc || (image && pdf) || (hidpos && (image || pdf))) {
		fputs(usage_text, stderr);
		return 2;
	}
	/* audit when there is a home (the appliance); a workstation without one reads only */
	home = pdg_home_path(home);
	if (pdg_home_config_load(home, &cfg, &err) == PDG_OK)
		r.home = home;
	pdg_err_clear(&err);
	if (r.json)
		r.results = json_array();
	if (hidpos) {
		struct hidpos_ctx ctx = { &r, &err };
		struct pdg_hidpos_sink sink = { on_scan, on_bad_scan, &ctx };

		rc = pdg_hidpos_read_usb(vendor, product, (unsigned)count, (unsigned)idle * 1000,
					 &sink, &err);
	} else if (image || pdf) {
		struct image_ctx ctx = { &r, image ? image : pdf, &err };
		struct pdg_scan_sink sink = { on_symbol, &ctx };

		rc = image ? pdg_scan_png(image, &sink, NULL, &err)
			   : pdg_scan_pdf(pdf, &sink, NULL, &err);
	} else {
		rc = read_lines(&r, stdin, &err);
	}
	if (rc) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		if (r.json) {
			json_t *doc = json_pack("{s:{s:s,s:s}}", "error", "code", pdg_code_name(rc),
						"message", err.msg);

			json_dumpf(doc, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(doc);
		}
		json_decref(r.results);
		return pdg_exit_code(rc);
	}
	if (r.ok + r.failed == 0)
		pdg_log(PDG_LOG_ERR, "no token found");
	else
		pdg_log(PDG_LOG_INFO, "%zu token(s) read: %zu well formed, %zu malformed",
			r.ok + r.failed, r.ok, r.failed);
	status = (r.failed || r.ok == 0) ? 1 : 0;
	if (r.json) {
		json_t *doc = json_pack("{s:o,s:I,s:I}", "results", r.results, "ok",
					(json_int_t)r.ok, "failed", (json_int_t)r.failed);

		json_dumpf(doc, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(doc);
	}
	return status;
}

/* The audit record of a sheet printed or written, when there is a home; 0 or 1 (reported). */
static int audit_sheet(const char *home, const char *command, const char *pkg,
		       const char *printer, int outcome, const char *desc)
{
	struct pdg_home_config cfg;
	struct pdg_err err = { 0 };

	if (pdg_home_config_load(home, &cfg, &err))
		return 0; /* no home here: nothing to record in */
	if (!pdg_audit_hook_sheet(home, command, pkg, printer, outcome, desc, &err))
		return 0;
	pdg_log(PDG_LOG_ERR, "%s", err.msg);
	return 1;
}

static int cmd_token_print(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "printer", required_argument, NULL, 'P' },
		{ "home", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct pdg_err err = { 0 };
	const char *printer = NULL, *home = NULL;
	int c, job = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'P': printer = optarg; break;
		case 'H': home = optarg; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	if (optind + 1 != argc || !printer) {
		fputs(usage_text, stderr);
		return 2;
	}
	home = pdg_home_path(home);
	if (pdg_print_pdf(printer, argv[optind], "pdigate token sheet", &job, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		audit_sheet(home, "pdigate token print", NULL, printer, 8, "token sheet not printed");
		return 1;
	}
	if (audit_sheet(home, "pdigate token print", NULL, printer, 0, NULL))
		return 1;
	printf("%s-%d\n", printer, job);
	return 0;
}

/* Unseal and render the stored sheet of pkg into out (a new PDF). */
static enum pdg_code reprint_to(const char *home, const char *pkg, const char *pass_file,
				const char *out, struct pdg_err *err)
{
	char pass[PDG_PASSPHRASE_MAX], id[PDG_AGE_IDENTITY_LEN + 1];
	struct pdg_sheetrec rec;
	struct pdg_sheet sheet;
	enum pdg_code rc;

	/* the record is read first, so that a wrong package id does not ask for a passphrase */
	rc = pdg_cmd_sheet_load(home, pkg, NULL, &rec, err);
	pdg_sheetrec_wipe(&rec);
	if (rc)
		return rc;
	if (pdg_cmd_passphrase(pass_file, "Administrator passphrase: ", 0, pass, sizeof(pass)))
		return pdg_err_set(err, PDG_E_POLICY, "no administrator passphrase");
	rc = pdg_home_admin_identity(home, pass, id, err);
	OPENSSL_cleanse(pass, sizeof(pass));
	if (!rc)
		rc = pdg_cmd_sheet_load(home, pkg, id, &rec, err);
	OPENSSL_cleanse(id, sizeof(id));
	if (rc)
		return rc;
	pdg_sheetrec_sheet(&rec, &sheet);
	rc = pdg_sheet_write_pdf(&sheet, out, err);
	pdg_sheetrec_wipe(&rec);
	return rc;
}

static int cmd_token_reprint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "printer", required_argument, NULL, 'P' },
		{ "sheet", required_argument, NULL, 's' },
		{ "home", required_argument, NULL, 'H' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct pdg_err err = { 0 };
	const char *printer = NULL, *out = NULL, *home = NULL, *pass_file = NULL, *pkg;
	char tmp[4200] = "", desc[300];
	enum pdg_code rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'P': printer = optarg; break;
		case 's': out = optarg; break;
		case 'H': home = optarg; break;
		case 'p': pass_file = optarg; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	if (optind + 1 != argc || !printer == !out) {
		fputs(usage_text, stderr);
		return 2;
	}
	pkg = argv[optind];
	if (!pdg_pkgid_valid(pkg)) {
		pdg_log(PDG_LOG_ERR, "'%s' is not a package id", pkg);
		return 2;
	}
	home = pdg_home_path(home);
	if (printer) {
		/* a private file in the home's state/, removed after printing */
		int fd;

		if (pdg_path_join(tmp, sizeof(tmp), home, "state/reprint-XXXXXX", &err)) {
			pdg_log(PDG_LOG_ERR, "%s", err.msg);
			return 1;
		}
		fd = mkstemp(tmp);
		if (fd < 0 || close(fd) || unlink(tmp)) {
			pdg_log(PDG_LOG_ERR, "cannot make a temporary file in '%s/state'", home);
			return 1;
		}
		out = tmp;
	}
	rc = reprint_to(home, pkg, pass_file, out, &err);
	if (!rc && printer)
		rc = pdg_print_pdf(printer, out, "pdigate token sheet", NULL, &err);
	if (tmp[0])
		unlink(tmp);
	if (rc) {
		pdg_log(PDG_LOG_ERR, "package %s: sheet not reprinted: %s", pkg, err.msg);
		snprintf(desc, sizeof(desc), "token sheet reprint refused (%s)", pdg_code_name(rc));
		audit_sheet(home, "pdigate token reprint", pkg, printer, 8, desc);
		return 1;
	}
	if (audit_sheet(home, "pdigate token reprint", pkg, printer, 0,
			printer ? "token sheet reprinted" : "token sheet reprinted to a file"))
		return 1;
	if (printer)
		printf("package %s: sheet reprinted on %s\n", pkg, printer);
	else
		printf("package %s: sheet written to %s\n", pkg, out);
	return 0;
}

int cmd_token(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "read"))
		return cmd_token_read(argc - 1, argv + 1);
	if (!strcmp(argv[1], "print"))
		return cmd_token_print(argc - 1, argv + 1);
	if (!strcmp(argv[1], "reprint"))
		return cmd_token_reprint(argc - 1, argv + 1);
	pdg_log(PDG_LOG_ERR, "'%s' is not a token command; see 'pdigate token --help'", argv[1]);
	return 2;
}
