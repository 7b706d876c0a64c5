/* SPDX-License-Identifier: MIT */
/* The audit trail: DICOM audit messages (PS3.15 A.5) in an append-only, hash-chained log. */
#ifndef PDG_AUDIT_H
#define PDG_AUDIT_H

#include <stddef.h>
#include <stdio.h>

#include "lib/compiler.h"
#include "lib/err.h"

#define PDG_AUDIT_LOG       "state/audit.log"   /* inside the appliance home */
#define PDG_AUDIT_LINE_MAX  65536               /* one record, XML included */
#define PDG_AUDIT_HASH_HEX  64

/* A coded value (csd-code, codeSystemName, originalText); code NULL means absent. */
struct pdg_audit_code {
	const char *code;
	const char *system;
	const char *meaning;
};

/* ActiveParticipant. Strings may be NULL (absent) except user_id. */
struct pdg_audit_participant {
	const char *user_id;
	const char *alt_user_id;
	const char *user_name;            /* staff name or login; never a patient */
	int requestor;                    /* UserIsRequestor */
	struct pdg_audit_code role;       /* e.g. 110153 Source Role ID, 110154 Destination Media */
	const char *nap_id;               /* NetworkAccessPointID, NULL for media */
	int nap_type;                     /* NetworkAccessPointTypeCode 1..5, 0 absent */
	struct pdg_audit_code media_type; /* MediaIdentifier/MediaType, e.g. 110030 USB */
};

/* ParticipantObjectIdentification: pseudonymised ids and counts only (no PHI). */
struct pdg_audit_object {
	int type_code;                    /* 1 person, 2 system object, 3 organization, 4 other */
	int role;                         /* TypeCodeRole: 1 patient, 3 report, 13 security resource... */
	struct pdg_audit_code id_type;    /* e.g. 110180 Study Instance UID, 2 Patient Number */
	const char *id;
	const char *name;                 /* ParticipantObjectName, NULL absent */
	const char *detail_type;          /* one ParticipantObjectDetail, NULL absent */
	const char *detail_value;         /* its value (stored base64-encoded, as the schema says) */
	unsigned long instances;          /* NumberOfInstances of a SOPClass element, 0 absent */
	const char *sop_class;            /* its UID (required when instances > 0) */
	int encrypted, anonymized;        /* -1 absent, 0 false, 1 true */
};

struct pdg_audit_event {
	struct pdg_audit_code id;         /* EventID from DCID 400, e.g. 110106 Export */
	char action;                      /* EventActionCode C R U D E */
	int outcome;                      /* 0 success, 4 minor, 8 serious, 12 major failure */
	const char *outcome_desc;         /* NULL absent */
	struct pdg_audit_code type;       /* EventTypeCode, code NULL absent */
	const char *site;                 /* AuditEnterpriseSiteID */
	const char *source_id;            /* AuditSourceID: the appliance id */
	const struct pdg_audit_participant *participants;
	size_t nparticipants;             /* at least 1 */
	const struct pdg_audit_object *objects;
	size_t nobjects;
};

/* One stored record, as pdg_audit_read hands it out (valid during the callback only). */
struct pdg_audit_record {
	unsigned long seq;                /* 1, 2, 3 ... */
	const char *time;                 /* when appended, UTC "YYYY-MM-DDTHH:MM:SSZ" */
	const char *xml;                  /* the AuditMessage, one line, no XML declaration */
	int outcome;
	char hash[PDG_AUDIT_HASH_HEX + 1];
};

/* Result of a verification. */
struct pdg_audit_check {
	unsigned long records;            /* records read that were intact */
	unsigned long bad_record;         /* 0 if intact, else the first broken record (1-based) */
	char reason[200];                 /* why bad_record is broken */
};

/*
 * The AuditMessage XML of ev at time (UTC "YYYY-MM-DDTHH:MM:SSZ"), one line, written to a
 * fresh string *xml the caller frees. Errors: PDG_E_INVALID (missing mandatory field or a
 * string that is not UTF-8), PDG_E_NOMEM.
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_xml(const struct pdg_audit_event *ev, const char *time,
					   char **xml, struct pdg_err *err);

/*
 * Append ev to the log at path (created 0600 with its head file "<path>.head" if missing),
 * under an exclusive lock, chained to the last record; the record is fsync'd before the
 * head is replaced. Errors: PDG_E_IO, PDG_E_INVALID, PDG_E_CRYPTO (the last record is
 * damaged: the log is not extended), PDG_E_NOMEM.
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_append(const char *path, const struct pdg_audit_event *ev,
					      struct pdg_err *err);

/*
 * Check the whole chain of the log at path and its head file: every record's hash, its
 * sequence number, its link to the previous record, and that the last record is the one the
 * head names. Fills *check. Returns PDG_OK when intact, PDG_E_CRYPTO when a record is
 * broken (check->bad_record says which), PDG_E_IO when the log cannot be read.
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_verify(const char *path, struct pdg_audit_check *check,
					      struct pdg_err *err);

/*
 * Verify, then call fn for every record in order; fn returning non-zero stops and is
 * returned. A broken chain is PDG_E_CRYPTO before any callback.
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_read(const char *path,
					    enum pdg_code (*fn)(void *ctx,
								const struct pdg_audit_record *r),
					    void *ctx, struct pdg_err *err);

/*
 * Write r as one RFC 5424 syslog line (PS3.15 A.6, IHE ITI-20): facility 10, severity 5
 * (notice) or 4 (warning) when the outcome is a failure, MSGID "IHE+RFC-3881", the XML as a
 * UTF-8 MSG with BOM. host is the HOSTNAME field ("-" if NULL).
 */
void pdg_audit_syslog_line(FILE *out, const struct pdg_audit_record *r, const char *host);

#endif
