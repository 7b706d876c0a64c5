/* SPDX-License-Identifier: MIT */
/* pdigate-center serve: run the HTTPS API until SIGTERM or SIGINT, then stop cleanly. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "center/cmd/center/cmds.h"
#include "center/server/server.h"
#include "lib/log.h"

static const char usage_text[] =
	"usage: pdigate-center serve --config <center.ini> [--verbose]\n"
	"\n"
	"Serve the service center's HTTPS API (docs/center-api.md) on the address and port of the\n"
	"configuration: uploads from registered upload stations, redeems from the scan desk,\n"
	"downloads by data centers. Stops cleanly on SIGTERM or SIGINT (requests in flight end;\n"
	"nothing half-written is ever acknowledged).\n"
	"\n"
	"  --config <file>   the center's INI file (docs/operator-guide-center.md)\n"
	"  --verbose         also log the HTTP library's messages\n";

int center_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pdg_center_config cfg;
	struct pdg_center *c = NULL;
	struct pdg_err err = { 0 };
	const char *config = NULL;
	sigset_t set;
	int ch, sig = 0;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config = optarg; break;
		case 'v': pdg_log_threshold = PDG_LOG_DEBUG; break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (!config || optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	pdg_center_config_defaults(&cfg);
	if (pdg_center_config_load(config, &cfg, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	/* block the signals in every thread (MHD's inherit the mask), wait for them here */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pdg_center_start(&cfg, &c, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	pdg_log(PDG_LOG_INFO, "serving on https://%s:%u/v1/ (%u HTTP threads, %u workers)",
		cfg.listen, cfg.port, cfg.threads, cfg.workers);
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
		;
	pdg_log(PDG_LOG_INFO, "stopping (signal %d)", sig);
	pdg_center_stop(c);
	return 0;
}
