/* SPDX-License-Identifier: MIT */
/* DICOM audit message XML (PS3.15 A.5.1 schema, RFC 3881 structure) of one event. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/audit/audit.h"
#include "lib/crypto/base64.h"

/* True if s is well-formed UTF-8 without C0 controls other than tab (XML 1.0 Char). */
static int xml_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p, n, cp;

		if (c < 0x80) {
			if (c < 0x20 && c != '\t')
				return 0;
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) { n = 1; cp = c & 0x1f; }
		else if ((c & 0xf0) == 0xe0) { n = 2; cp = c & 0x0f; }
		else if ((c & 0xf8) == 0xf0) { n = 3; cp = c & 0x07; }
		else return 0;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
			return 0;
		p += n + 1;
	}
	return 1;
}

/* Write s escaped for an attribute value or element text. */
static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\t': fputs("&#9;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

static void attr(FILE *f, const char *name, const char *value)
{
	if (!value)
		return;
	fprintf(f, " %s=\"", name);
	esc(f, value);
	fputc('"', f);
}

/* CodedValueType: csd-code, codeSystemName, originalText (PS3.15 A.5.1). */
static void coded(FILE *f, const char *element, const struct pdg_audit_code *c)
{
	fprintf(f, "<%s", element);
	attr(f, "csd-code", c->code);
	attr(f, "codeSystemName", c->system ? c->system : "DCM");
	attr(f, "originalText", c->meaning ? c->meaning : c->code);
	fputs("/>", f);
}

static int code_ok(const struct pdg_audit_code *c)
{
	return !c->code || (xml_text_ok(c->code) && (!c->system || xml_text_ok(c->system)) &&
			    (!c->meaning || xml_text_ok(c->meaning)));
}

static const char *check_event(const struct pdg_audit_event *ev)
{
	if (!ev->id.code || !ev->source_id || !ev->nparticipants)
		return "an audit event needs an EventID, an AuditSourceID and a participant";
	if (!strchr("CRUDE", ev->action) || !ev->action)
		return "EventActionCode must be C, R, U, D or E";
	if (ev->outcome != 0 && ev->outcome != 4 && ev->outcome != 8 && ev->outcome != 12)
		return "EventOutcomeIndicator must be 0, 4, 8 or 12";
	if (!code_ok(&ev->id) || !code_ok(&ev->type) || !xml_text_ok(ev->source_id) ||
	    (ev->site && !xml_text_ok(ev->site)) ||
	    (ev->outcome_desc && !xml_text_ok(ev->outcome_desc)))
		return "an audit event field is not UTF-8 text";
	for (size_t i = 0; i < ev->nparticipants; i++) {
		const struct pdg_audit_participant *p = &ev->participants[i];

		if (!p->user_id || !xml_text_ok(p->user_id) || !code_ok(&p->role) ||
		    !code_ok(&p->media_type) || (p->alt_user_id && !xml_text_ok(p->alt_user_id)) ||
		    (p->user_name && !xml_text_ok(p->user_name)) ||
		    (p->nap_id && !xml_text_ok(p->nap_id)))
			return "an ActiveParticipant needs a UserID, and UTF-8 text";
	}
	for (size_t i = 0; i < ev->nobjects; i++) {
		const struct pdg_audit_object *o = &ev->objects[i];

		if (!o->id || !o->id_type.code || !xml_text_ok(o->id) || !code_ok(&o->id_type) ||
		    (o->name && !xml_text_ok(o->name)) ||
		    (o->detail_type && (!o->detail_value || !xml_text_ok(o->detail_type))) ||
		    (o->instances && (!o->sop_class || !xml_text_ok(o->sop_class))))
			return "a ParticipantObject needs an ID and an IDTypeCode, and UTF-8 text";
	}
	return NULL;
}

enum pdg_code pdg_audit_xml(const struct pdg_audit_event *ev, const char *time, char **xml,
			    struct pdg_err *err)
{
	const char *bad = check_event(ev);
	char outcome[8], *buf = NULL;
	size_t len = 0;
	FILE *f;

	*xml = NULL;
	if (bad)
		return pdg_err_set(err, PDG_E_INVALID, "%s", bad);
	f = open_memstream(&buf, &len);
	if (!f)
		return pdg_err_sys(err, PDG_E_NOMEM, "cannot build an audit message");
	/* PS3.15 A.5.1: EventIdentification, ActiveParticipant+, AuditSourceIdentification,
	 * ParticipantObjectIdentification* */
	snprintf(outcome, sizeof(outcome), "%d", ev->outcome);
	fputs("<AuditMessage><EventIdentification", f);
	fprintf(f, " EventActionCode=\"%c\"", ev->action);
	attr(f, "EventDateTime", time);
	attr(f, "EventOutcomeIndicator", outcome);
	fputc('>', f);
	coded(f, "EventID", &ev->id);
	if (ev->type.code)
		coded(f, "EventTypeCode", &ev->type);
	if (ev->outcome_desc) {
		fputs("<EventOutcomeDescription>", f);
		esc(f, ev->outcome_desc);
		fputs("</EventOutcomeDescription>", f);
	}
	fputs("</EventIdentification>", f);
	for (size_t i = 0; i < ev->nparticipants; i++) {
		const struct pdg_audit_participant *p = &ev->participants[i];
		char nap[8];

		fputs("<ActiveParticipant", f);
		attr(f, "UserID", p->user_id);
		attr(f, "AlternativeUserID", p->alt_user_id);
		attr(f, "UserName", p->user_name);
		attr(f, "UserIsRequestor", p->requestor ? "true" : "false");
		attr(f, "NetworkAccessPointID", p->nap_id);
		if (p->nap_id && p->nap_type) {
			snprintf(nap, sizeof(nap), "%d", p->nap_type);
			attr(f, "NetworkAccessPointTypeCode", nap);
		}
		fputc('>', f);
		if (p->role.code)
			coded(f, "RoleIDCode", &p->role);
		if (p->media_type.code) {
			fputs("<MediaIdentifier>", f);
			coded(f, "MediaType", &p->media_type);
			fputs("</MediaIdentifier>", f);
		}
		fputs("</ActiveParticipant>", f);
	}
	fputs("<AuditSourceIdentification", f);
	attr(f, "AuditEnterpriseSiteID", ev->site);
	attr(f, "AuditSourceID", ev->source_id);
	/* RFC 3881 audit source type 4: application server process */
	fputs("><AuditSourceTypeCode csd-code=\"4\" codeSystemName=\"RFC-3881\" "
	      "originalText=\"Application Server\"/></AuditSourceIdentification>", f);
	for (size_t i = 0; i < ev->nobjects; i++) {
		const struct pdg_audit_object *o = &ev->objects[i];
		char num[24];

		fputs("<ParticipantObjectIdentification", f);
		attr(f, "ParticipantObjectID", o->id);
		snprintf(num, sizeof(num), "%d", o->type_code);
		attr(f, "ParticipantObjectTypeCode", num);
		if (o->role) {
			snprintf(num, sizeof(num), "%d", o->role);
			attr(f, "ParticipantObjectTypeCodeRole", num);
		}
		fputc('>', f);
		coded(f, "ParticipantObjectIDTypeCode", &o->id_type);
		if (o->name) {
			fputs("<ParticipantObjectName>", f);
			esc(f, o->name);
			fputs("</ParticipantObjectName>", f);
		}
		if (o->detail_type) {
			size_t n = strlen(o->detail_value);
			char *b64 = malloc(pdg_b64_encoded_len(n, true) + 1);

			if (b64) {
				(void)pdg_b64_encode(b64, (const uint8_t *)o->detail_value, n, true);
				fputs("<ParticipantObjectDetail", f);
				attr(f, "type", o->detail_type);
				attr(f, "value", b64);
				fputs("/>", f);
				free(b64);
			}
		}
		if (o->instances) {
			fputs("<SOPClass", f);
			attr(f, "UID", o->sop_class);
			snprintf(num, sizeof(num), "%lu", o->instances);
			attr(f, "NumberOfInstances", num);
			fputs("/>", f);
		}
		if (o->encrypted >= 0)
			fprintf(f, "<Encrypted>%s</Encrypted>", o->encrypted ? "true" : "false");
		if (o->anonymized >= 0)
			fprintf(f, "<Anonymized>%s</Anonymized>", o->anonymized ? "true" : "false");
		fputs("</ParticipantObjectIdentification>", f);
	}
	fputs("</AuditMessage>", f);
	if (fclose(f) || !buf) {
		free(buf);
		return pdg_err_set(err, PDG_E_NOMEM, "cannot build an audit message");
	}
	*xml = buf;
	return PDG_OK;
}
