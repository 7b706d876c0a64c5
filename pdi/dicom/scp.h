/* SPDX-License-Identifier: MIT */
/*
 * The C face of DCMTK's storage SCP: listen for associations, answer C-ECHO, receive
 * C-STORE instances into a folder and let the C side decide the C-STORE status.
 *
 * Each instance is received bit-preserving (the dataset bytes exactly as sent, behind a fresh
 * meta header) into a new file in tmp_dir, fsync'd, and then handed to on_instance BEFORE
 * any response goes back. on_instance returns the DIMSE status to send: it must return
 * success (0x0000) only once the instance is durable where it belongs (it renames the file
 * away). Whatever it leaves at the path is removed afterwards. A receive or write error
 * (disk full...) never reaches on_instance: the peer gets 0xA700 (Out of Resources).
 * Nothing here logs; no message contains attribute values.
 */
#ifndef PDG_SCP_H
#define PDG_SCP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "lib/err.h"

#define PDG_SCP_STATUS_SUCCESS 0x0000u
#define PDG_SCP_STATUS_OUT_OF_RESOURCES 0xA700u
#define PDG_SCP_STATUS_CANNOT_UNDERSTAND 0xC000u

/* One received instance, valid during the on_instance call only. */
struct pdg_scp_instance {
	const char *path;             /* the fsync'd file in tmp_dir (PS3.10, meta header) */
	const char *sop_class_uid;    /* from the C-STORE request */
	const char *sop_instance_uid; /* from the C-STORE request: PHI, never log it */
	const char *calling_ae;       /* the peer's AE title */
	const char *peer_address;     /* the peer's IP address */
	uint64_t size;                /* bytes of the file */
};

/* Events for the program's log (no PHI in them). */
enum pdg_scp_event {
	PDG_SCP_EV_ASSOC_ACCEPTED,
	PDG_SCP_EV_ASSOC_REFUSED_AE,
	PDG_SCP_EV_ASSOC_REFUSED_ADDRESS,
	PDG_SCP_EV_ASSOC_ENDED,
	PDG_SCP_EV_RECEIVE_FAILED,
	PDG_SCP_EV_LISTENING,
};

struct pdg_scp_config {
	const char *listen;                   /* IPv4 address to bind; NULL or "" = all */
	unsigned port;
	const char *ae_title;                 /* our AE title: the called AE must match */
	const char *const *allowed_callers;   /* calling AE titles; ncallers 0 = any */
	size_t ncallers;
	const char *const *allowed_addresses; /* peer IPv4/IPv6 addresses; naddresses 0 = any */
	size_t naddresses;
	const char *tmp_dir;                  /* receive folder, same file system as the spool */
	unsigned timeout;                     /* DIMSE/ACSE timeout in seconds (0: 30) */
	uint16_t (*on_instance)(void *arg, const struct pdg_scp_instance *inst);
	void (*on_event)(void *arg, enum pdg_scp_event ev, const char *calling_ae,
			 const char *peer_address); /* may be NULL */
	void *arg;
	volatile sig_atomic_t *stop;          /* set non-zero (e.g. from SIGTERM) to stop */
};

/*
 * Serve associations one after the other until *cfg->stop becomes non-zero: an association in
 * progress is finished first (its instances are answered), no new one is accepted. The
 * listening socket is bound to cfg->listen only (DCMTK's own listener would bind every
 * interface): each accepted connection goes to DCMTK through dcmExternalSocketHandle (a
 * process global: one pdg_scp_run per process). Returns PDG_OK after a requested stop;
 * PDG_E_NET if the port cannot be opened; PDG_E_INVALID for a bad configuration (also a
 * listen value that is not an IPv4 address).
 */
PDG_MUST_CHECK enum pdg_code pdg_scp_run(const struct pdg_scp_config *cfg, struct pdg_err *err);

#ifdef __cplusplus
}
#endif

#endif
