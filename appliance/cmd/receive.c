/* SPDX-License-Identifier: MIT */
/* pdigate receive: the storage SCP the hospital PACS sends studies to; fills spool and catalog. */
#include <getopt.h>
#include <ini.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/audit/hooks.h"
#include "appliance/catalog/catalog.h"
#include "appliance/cmd/cmds.h"
#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"
#include "lib/log.h"
#include "pdi/dicom/scp.h"

static const char usage_text[] =
	"usage: pdigate receive [--home <dir>] [--port <n>]\n"
	"\n"
	"Listen for DICOM associations from the PACS (C-ECHO, C-STORE of every storage SOP class,\n"
	"kept in the transfer syntax received). Each instance is written to the spool and fsync'd\n"
	"before the PACS is told it is stored; it then appears in 'pdigate studies'. Runs until\n"
	"SIGTERM or SIGINT (the association in progress is finished first).\n"
	"\n"
	"config.ini, section [receive]: listen (IPv4 address to bind; default all), port (104),\n"
	"ae_title (PDIGATE), allowed_callers and\n"
	"allowed_addresses (comma-separated; empty: any), spool (default state/spool).\n"
	"  --port <n>   override the configured port\n";

#define LIST_MAX 32

struct rx_config {
	char listen[64];
	unsigned port;
	char ae_title[17];
	char callers_buf[1024], addrs_buf[1024];
	const char *callers[LIST_MAX], *addrs[LIST_MAX];
	size_t ncallers, naddrs;
	char spool[4096];
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static size_t split(char *buf, const char **out)
{
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(buf, ", \t", &save); t && n < LIST_MAX;
	     t = strtok_r(NULL, ", \t", &save))
		out[n++] = t;
	return n;
}

static int ini_cb(void *user, const char *section, const char *name, const char *value)
{
	struct rx_config *c = user;
	if (strcmp(section, "receive"))
		return 1;
	if (!strcmp(name, "listen"))
		return pdg_str_copy(c->listen, sizeof c->listen, value);
	if (!strcmp(name, "port")) {
		char *end;
		unsigned long p = strtoul(value, &end, 10);
		if (*end || !p || p > 65535)
			return 0;
		c->port = (unsigned)p;
		return 1;
	}
	if (!strcmp(name, "ae_title"))
		return pdg_str_copy(c->ae_title, sizeof c->ae_title, value);
	if (!strcmp(name, "allowed_callers"))
		return pdg_str_copy(c->callers_buf, sizeof c->callers_buf, value);
	if (!strcmp(name, "allowed_addresses"))
		return pdg_str_copy(c->addrs_buf, sizeof c->addrs_buf, value);
	if (!strcmp(name, "spool"))
		return pdg_str_copy(c->spool, sizeof c->spool, value);
	return 1;
}

struct rx_state {
	const char *home;
	struct pdg_catalog *cat;
	unsigned long stored, duplicates, failed;
	unsigned long base[3];  /* the counts when the current association began */
	char ae[17], addr[64];  /* its calling AE title and address */
};

/* One audit record per association that sent instances: counts and the sender, no UIDs. */
static void audit_association(struct rx_state *s)
{
	struct pdg_audit_import c = {
		.imported = s->stored - s->base[0],
		.duplicates = s->duplicates - s->base[1],
		.refused = s->failed - s->base[2],
	};
	struct pdg_err err = { 0 };

	if (!c.imported && !c.duplicates && !c.refused)
		return; /* C-ECHO, or nothing sent */
	if (pdg_audit_hook_import(s->home, "pdigate receive", s->ae, s->addr, &c,
				  c.refused ? 4 : 0, NULL, &err))
		pdg_log(PDG_LOG_ERR, "the association could not be recorded in the audit log: %s",
			err.msg);
}

static uint16_t on_instance(void *arg, const struct pdg_scp_instance *inst)
{
	struct rx_state *s = arg;
	struct pdg_catalog_origin o = { inst->calling_ae, inst->peer_address };
	struct pdg_err err = { 0 };
	int dup = 0;

	if (pdg_catalog_ingest(s->cat, inst->path, &o, &dup, &err)) {
		s->failed++;
		pdg_log(PDG_LOG_ERR, "instance refused: %s", err.msg);
		return err.code == PDG_E_DICOM ? PDG_SCP_STATUS_CANNOT_UNDERSTAND
					       : PDG_SCP_STATUS_OUT_OF_RESOURCES;
	}
	if (dup)
		s->duplicates++;
	else
		s->stored++;
	return PDG_SCP_STATUS_SUCCESS;
}

static void on_event(void *arg, enum pdg_scp_event ev, const char *ae, const char *addr)
{
	struct rx_state *s = arg;
	switch (ev) {
	case PDG_SCP_EV_LISTENING:
		pdg_log(PDG_LOG_INFO, "listening");
		break;
	case PDG_SCP_EV_ASSOC_ACCEPTED:
		pdg_log(PDG_LOG_INFO, "association from AE '%s' at %s", ae, addr);
		s->base[0] = s->stored;
		s->base[1] = s->duplicates;
		s->base[2] = s->failed;
		snprintf(s->ae, sizeof s->ae, "%s", ae ? ae : "");
		snprintf(s->addr, sizeof s->addr, "%s", addr ? addr : "");
		break;
	case PDG_SCP_EV_ASSOC_REFUSED_AE:
		pdg_log(PDG_LOG_WARN, "association refused: AE title not allowed");
		break;
	case PDG_SCP_EV_ASSOC_REFUSED_ADDRESS:
		pdg_log(PDG_LOG_WARN, "association refused: address %s not allowed", addr);
		break;
	case PDG_SCP_EV_ASSOC_ENDED:
		pdg_log(PDG_LOG_INFO, "association ended: %lu stored, %lu duplicates, %lu failed",
			s->stored, s->duplicates, s->failed);
		audit_association(s);
		break;
	case PDG_SCP_EV_RECEIVE_FAILED:
		s->failed++;
		pdg_log(PDG_LOG_ERR, "an instance could not be received or written (disk full?)");
		break;
	}
}

static int load_config(const char *home, struct rx_config *c)
{
	char path[4200];
	struct pdg_err err = { 0 };
	memset(c, 0, sizeof *c);
	c->port = 104;
	pdg_str_copy(c->ae_title, sizeof c->ae_title, "PDIGATE");
	if (pdg_path_join(path, sizeof path, home, PDG_HOME_CONFIG, &err))
		return -1;
	int r = ini_parse(path, ini_cb, c);
	if (r < 0) {
		pdg_log(PDG_LOG_ERR, "cannot read '%s'", path);
		return -1;
	}
	if (r > 0) {
		pdg_log(PDG_LOG_ERR, "%s: bad value on line %d", path, r);
		return -1;
	}
	c->ncallers = split(c->callers_buf, c->callers);
	c->naddrs = split(c->addrs_buf, c->addrs);
	return 0;
}

int cmd_receive(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *home = NULL, *port = NULL;
	struct pdg_err err = { 0 };
	struct rx_config c;
	struct rx_state s = { 0 };
	char spool[4096];
	int ch;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			home = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	home = pdg_home_path(home);
	s.home = home;
	if (load_config(home, &c))
		return 1;
	if (port) {
		char *end;
		unsigned long p = strtoul(port, &end, 10);
		if (*end || !p || p > 65535) {
			fputs(usage_text, stderr);
			return 2;
		}
		c.port = (unsigned)p;
	}
	if (pdg_cmd_open_catalog(home, &s.cat, spool, sizeof spool, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	struct pdg_catalog_repair rep = { 0 };
	if (pdg_catalog_reconcile(s.cat, &rep, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		pdg_catalog_close(s.cat);
		return 1;
	}
	if (rep.rows_removed || rep.files_indexed || rep.files_bad || rep.temps_removed)
		pdg_log(PDG_LOG_WARN,
			"catalog repaired: %zu rows without file removed, %zu files re-indexed,"
			" %zu unreadable files quarantined, %zu partial files removed",
			rep.rows_removed, rep.files_indexed, rep.files_bad, rep.temps_removed);

	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct pdg_scp_config sc = {
		.listen = c.listen,
		.port = c.port,
		.ae_title = c.ae_title,
		.allowed_callers = c.callers,
		.ncallers = c.ncallers,
		.allowed_addresses = c.addrs,
		.naddresses = c.naddrs,
		.tmp_dir = pdg_catalog_tmp_dir(s.cat),
		.on_instance = on_instance,
		.on_event = on_event,
		.arg = &s,
		.stop = &stop_flag,
	};
	enum pdg_code rc = pdg_scp_run(&sc, &err);
	pdg_catalog_close(s.cat);
	if (rc) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	pdg_log(PDG_LOG_INFO, "stopped");
	return 0;
}
