/* SPDX-License-Identifier: MIT */
/* The service center's configuration file (INI): listen address, TLS files, state, ledger, limits. */
#ifndef PDG_CENTER_CONFIG_H
#define PDG_CENTER_CONFIG_H

#include <stdint.h>

#include "lib/compiler.h"
#include "lib/err.h"

#define PDG_CENTER_PATH_MAX 1024

/* Every setting, with the defaults of pdg_center_config_defaults (docs/operator-guide-center.md). */
struct pdg_center_config {
	char listen[64];                /* [server] listen: an IPv4 or IPv6 address, "127.0.0.1" */
	unsigned port;                  /* [server] port, 8443 */
	char cert[PDG_CENTER_PATH_MAX]; /* [server] cert: PEM server certificate (chain) */
	char key[PDG_CENTER_PATH_MAX];  /* [server] key: PEM private key */
	char client_ca[PDG_CENTER_PATH_MAX]; /* [server] client_ca: PEM CA(s) of client certificates */
	unsigned threads;               /* [server] threads: HTTP and TLS threads, 2 */
	unsigned workers;               /* [server] workers: threads answering complete requests
					   (ledger, files), first come first served; 0: the HTTP
					   threads answer themselves, 8 */
	unsigned timeout;               /* [server] timeout: idle connection seconds, 60 */
	unsigned max_connections;       /* [server] max_connections, 1000 */
	char state[PDG_CENTER_PATH_MAX];  /* [store] state: folder of blobs/ (and the SQLite ledger) */
	char ledger[PDG_CENTER_PATH_MAX]; /* [store] ledger: "sqlite:<state>/ledger.db" by default */
	uint64_t manifest_max;          /* [limits] manifest_max bytes, 65536 */
	uint64_t chunk_max;             /* [limits] chunk_max bytes, 64 MiB */
	unsigned header_max;            /* [limits] header_max: bytes per connection for the request line,
					   headers and read buffer (larger headers: 431), 65536 */
	double redeem_rate;             /* [limits] redeem_rate per client per second, 5 */
	unsigned redeem_burst;          /* [limits] redeem_burst per client, 20 */
	unsigned package_failures;      /* [limits] package_failures: wrong tries/package/hour, 10 */
	unsigned session_ttl;           /* [limits] session_ttl seconds, 3600 */
	unsigned scrypt_log2n;          /* [limits] scrypt_log2n for new passwords, 15 */
	int retention_days;             /* [retention] days: default for new projects, 30 */
	int expiry_days;                /* [retention] expiry_days: default for new projects, 90 */
};

/* Fill c with the defaults (state and ledger empty). */
void pdg_center_config_defaults(struct pdg_center_config *c);

/*
 * Read the INI file at path over the defaults. Unknown sections or keys, bad numbers and a
 * missing [store] state fail with PDG_E_INVALID naming the line or key (the ledger defaults to
 * "sqlite:<state>/ledger.db"; `serve` checks cert, key and client_ca itself); an unreadable
 * file with PDG_E_IO.
 * Relative paths are taken relative to the folder of the file.
 */
PDG_MUST_CHECK enum pdg_code pdg_center_config_load(const char *path, struct pdg_center_config *c,
	struct pdg_err *err);

#endif
