/* SPDX-License-Identifier: MIT */
/* pdigate studies: list the studies in the catalog (PHI on the operator's screen, never logged). */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "appliance/catalog/catalog.h"
#include "appliance/cmd/cmds.h"
#include "appliance/home/home.h"
#include "lib/log.h"
#include "lib/text.h"

static const char usage_text[] =
	"usage: pdigate studies [--home <dir>] [--json] [--modality <M>] [--from <date>]\n"
	"                       [--to <date>] [--accession <A>] [--patient-id <ID>]\n"
	"\n"
	"List the studies received or imported, newest study date first. The list shows patient\n"
	"data: it is for the operator's screen and is never written to any log.\n"
	"Dates are YYYY-MM-DD or YYYYMMDD (study date, inclusive).\n";

struct out {
	int json;
	json_t *arr;
	size_t n;
};

static enum pdg_code show(const struct pdg_catalog_study *s, void *arg, struct pdg_err *err)
{
	struct out *o = arg;
	char id[1024], name[1024], acc[1024], desc[1024];

	/* UTF-8 since the catalog decodes; rows written before may hold other bytes */
	pdg_text_clean(s->patient_id, id, sizeof(id));
	pdg_text_clean(s->patient_name, name, sizeof(name));
	pdg_text_clean(s->accession, acc, sizeof(acc));
	pdg_text_clean(s->description, desc, sizeof(desc));
	if (o->json) {
		json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I}",
				      "study_uid", s->study_uid, "patient_id", id,
				      "patient_name", name, "birth_date", s->birth_date,
				      "accession", acc, "study_date", s->study_date,
				      "description", desc, "modalities", s->modalities,
				      "status", s->status, "first_arrival", s->first_arrival,
				      "sender_ae", s->sender_ae, "series", (json_int_t)s->series,
				      "instances", (json_int_t)s->instances,
				      "bytes", (json_int_t)s->bytes,
				      "duplicates", (json_int_t)s->duplicates);
		if (!j || json_array_append_new(o->arr, j))
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	} else {
		if (!o->n)
			printf("%-8s %-16s %-24s %-12s %-8s %6s %6s  %s\n", "DATE", "PATIENT ID",
			       "PATIENT NAME", "ACCESSION", "MOD", "SERIES", "IMAGES", "STATUS");
		printf("%-8s %-16s %-24s %-12s %-8s %6" PRId64 " %6" PRId64 "  %s\n",
		       s->study_date, id, name, acc, s->modalities,
		       s->series, s->instances, s->status);
	}
	o->n++;
	return PDG_OK;
}

/* YYYY-MM-DD or YYYYMMDD into YYYYMMDD; 0 if malformed. */
static int norm_date(const char *in, char out[9])
{
	size_t j = 0;
	for (size_t i = 0; in[i]; i++) {
		if (in[i] == '-' && (i == 4 || i == 7))
			continue;
		if (in[i] < '0' || in[i] > '9' || j == 8)
			return 0;
		out[j++] = in[i];
	}
	out[j] = 0;
	return j == 8;
}

int cmd_studies(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "modality", required_argument, NULL, 'm' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "accession", required_argument, NULL, 'a' },
		{ "patient-id", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pdg_catalog_filter f = { 0 };
	struct pdg_err err = { 0 };
	struct pdg_catalog *cat = NULL;
	const char *home = NULL;
	char from[9], to[9], spool[4096];
	struct out o = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			home = optarg;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'm':
			f.modality = optarg;
			break;
		case 'f':
			if (!norm_date(optarg, from))
				goto usage;
			f.from = from;
			break;
		case 't':
			if (!norm_date(optarg, to))
				goto usage;
			f.to = to;
			break;
		case 'a':
			f.accession = optarg;
			break;
		case 'p':
			f.patient_id = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if (pdg_cmd_open_catalog(pdg_home_path(home), &cat, spool, sizeof spool, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	if (o.json && !(o.arr = json_array())) {
		pdg_catalog_close(cat);
		pdg_log(PDG_LOG_ERR, "out of memory");
		return 1;
	}
	enum pdg_code rc = pdg_catalog_studies(cat, &f, show, &o, &err);
	pdg_catalog_close(cat);
	if (rc) {
		json_decref(o.arr);
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	if (o.json) {
		json_t *doc = json_pack("{s:o}", "studies", o.arr);
		json_dumpf(doc, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(doc);
	}
	return 0;
usage:
	fputs(usage_text, stderr);
	return 2;
}
