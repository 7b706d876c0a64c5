// SPDX-License-Identifier: MIT
// The storage SCU behind pdi/dicom/scu.h: DcmSCU sending files as stored, status per file.
#include <cstdio>
#include <cstring>
#include <new>

#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/dcmnet/diutil.h"
#include "dcmtk/dcmnet/scu.h"
#include "dcmtk/oflog/oflog.h"
#include "dcmtk/ofstd/ofvector.h"

#include "pdi/dicom/scu.h"

namespace {

struct Pair {
	OFString sop_class, xfer;
};

/* Read SOP class and transfer syntax from the meta header only. */
bool read_meta(const char *path, Pair &p)
{
	DcmMetaInfo meta;
	if (meta.loadFile(path).bad())
		return false;
	OFString c, x;
	if (meta.findAndGetOFString(DCM_MediaStorageSOPClassUID, c).bad() || c.empty() ||
	    meta.findAndGetOFString(DCM_TransferSyntaxUID, x).bad() || x.empty())
		return false;
	p.sop_class = c;
	p.xfer = x;
	return true;
}

void setup(DcmSCU &scu, const struct pdg_scu_config *cfg)
{
	unsigned t = cfg->timeout ? cfg->timeout : 30;
	scu.setPeerHostName(cfg->host);
	scu.setPeerPort((Uint16)cfg->port);
	scu.setPeerAETitle(cfg->called_ae);
	scu.setAETitle(cfg->calling_ae && *cfg->calling_ae ? cfg->calling_ae : "PDIGATE");
	scu.setMaxReceivePDULength(ASC_DEFAULTMAXPDU);
	scu.setACSETimeout(t);
	scu.setDIMSETimeout(t);
	scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
	scu.setConnectionTimeout((Sint32)t);
}

/* Send files[from..to) (whose pairs are in pairs[]) over one association. */
enum pdg_code send_batch(const struct pdg_scu_config *cfg, struct pdg_scu_file *files,
			 const OFVector<Pair> &meta, size_t from, size_t to,
			 const OFVector<Pair> &pairs, struct pdg_err *err)
{
	DcmSCU scu;
	setup(scu, cfg);
	for (const Pair &p : pairs) {
		OFList<OFString> ts;
		ts.push_back(p.xfer);
		if (scu.addPresentationContext(p.sop_class, ts).bad())
			return pdg_err_set(err, PDG_E_DICOM, "cannot add a presentation context");
	}
	if (scu.initNetwork().bad())
		return pdg_err_set(err, PDG_E_NET, "cannot set up the DICOM network");
	OFCondition cond = scu.negotiateAssociation();
	if (cond.bad())
		return pdg_err_set(err, PDG_E_NET, "the archive %s:%u (AE '%s') refused or is "
				   "unreachable: %s", cfg->host, cfg->port, cfg->called_ae,
				   cond.text());
	enum pdg_code rc = PDG_OK;
	for (size_t i = from; i < to; i++) {
		struct pdg_scu_file *f = &files[i];
		if (f->outcome == PDG_SCU_UNREADABLE)
			continue;
		T_ASC_PresentationContextID id =
			scu.findPresentationContextID(meta[i].sop_class, meta[i].xfer);
		if (!id) {
			f->outcome = PDG_SCU_REFUSED;
			continue;
		}
		Uint16 status = 0xFFFF;
		cond = scu.sendSTORERequest(id, f->path, NULL, status);
		if (cond.bad()) {
			f->outcome = PDG_SCU_FAILED;
			if (!scu.isConnected()) {
				rc = pdg_err_set(err, PDG_E_NET, "the archive closed the "
						 "association: %s", cond.text());
				break;
			}
			continue;
		}
		f->status = status;
		if (status == 0x0000)
			f->outcome = PDG_SCU_STORED;
		else if (status == 0xB000 || status == 0xB006 || status == 0xB007)
			f->outcome = PDG_SCU_STORED_WARNING;
		else
			f->outcome = PDG_SCU_FAILED;
	}
	if (scu.isConnected())
		(void)scu.releaseAssociation();
	return rc;
}

enum pdg_code store(const struct pdg_scu_config *cfg, struct pdg_scu_file *files, size_t n,
		    struct pdg_err *err)
{
	OFLog::configure(OFLogger::OFF_LOG_LEVEL);
	OFVector<Pair> meta(n);
	for (size_t i = 0; i < n; i++) {
		files[i].outcome = PDG_SCU_NOT_SENT;
		files[i].status = 0;
		if (!read_meta(files[i].path, meta[i]))
			files[i].outcome = PDG_SCU_UNREADABLE;
	}
	size_t from = 0;
	while (from < n) {
		OFVector<Pair> pairs;
		size_t to = from;
		for (; to < n; to++) {
			if (files[to].outcome == PDG_SCU_UNREADABLE)
				continue;
			bool seen = false;
			for (const Pair &p : pairs)
				if (p.sop_class == meta[to].sop_class && p.xfer == meta[to].xfer)
					seen = true;
			if (seen)
				continue;
			if (pairs.size() == PDG_SCU_MAX_CONTEXTS)
				break;
			pairs.push_back(meta[to]);
		}
		if (pairs.empty())
			break;
		enum pdg_code rc = send_batch(cfg, files, meta, from, to, pairs, err);
		if (rc)
			return rc;
		from = to;
	}
	return PDG_OK;
}

bool config_ok(const struct pdg_scu_config *cfg)
{
	return cfg && cfg->host && *cfg->host && cfg->port && cfg->port <= 65535 &&
	       cfg->called_ae && *cfg->called_ae && strlen(cfg->called_ae) <= 16 &&
	       (!cfg->calling_ae || strlen(cfg->calling_ae) <= 16);
}

enum pdg_code echo(const struct pdg_scu_config *cfg, struct pdg_err *err)
{
	OFLog::configure(OFLogger::OFF_LOG_LEVEL);
	DcmSCU scu;
	setup(scu, cfg);
	OFList<OFString> ts;
	ts.push_back(UID_LittleEndianExplicitTransferSyntax);
	ts.push_back(UID_LittleEndianImplicitTransferSyntax);
	if (scu.addPresentationContext(UID_VerificationSOPClass, ts).bad() ||
	    scu.initNetwork().bad())
		return pdg_err_set(err, PDG_E_DICOM, "cannot set up the DICOM network");
	OFCondition cond = scu.negotiateAssociation();
	if (cond.bad())
		return pdg_err_set(err, PDG_E_NET, "the archive %s:%u (AE '%s') refused or is "
				   "unreachable: %s", cfg->host, cfg->port, cfg->called_ae,
				   cond.text());
	cond = scu.sendECHORequest(0);
	(void)scu.releaseAssociation();
	if (cond.bad())
		return pdg_err_set(err, PDG_E_NET, "C-ECHO failed: %s", cond.text());
	return PDG_OK;
}

} // namespace

extern "C" enum pdg_code pdg_scu_store(const struct pdg_scu_config *cfg,
				       struct pdg_scu_file *files, size_t n, struct pdg_err *err)
{
	if (!config_ok(cfg) || (n && !files))
		return pdg_err_set(err, PDG_E_INVALID, "bad DICOM archive configuration");
	try {
		return store(cfg, files, n, err);
	} catch (const std::bad_alloc &) {
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory in the DICOM sender");
	} catch (...) {
		return pdg_err_set(err, PDG_E_DICOM, "DCMTK failed in the DICOM sender");
	}
}

extern "C" enum pdg_code pdg_scu_echo(const struct pdg_scu_config *cfg, struct pdg_err *err)
{
	if (!config_ok(cfg))
		return pdg_err_set(err, PDG_E_INVALID, "bad DICOM archive configuration");
	try {
		return echo(cfg, err);
	} catch (const std::bad_alloc &) {
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory in the DICOM sender");
	} catch (...) {
		return pdg_err_set(err, PDG_E_DICOM, "DCMTK failed in the DICOM sender");
	}
}

extern "C" const char *pdg_scu_outcome_name(enum pdg_scu_outcome o)
{
	switch (o) {
	case PDG_SCU_NOT_SENT: return "not sent";
	case PDG_SCU_STORED: return "stored";
	case PDG_SCU_STORED_WARNING: return "stored with a warning";
	case PDG_SCU_FAILED: return "failed";
	case PDG_SCU_UNREADABLE: return "unreadable";
	case PDG_SCU_REFUSED: return "no presentation context accepted";
	}
	return "unknown";
}
