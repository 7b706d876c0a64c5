// SPDX-License-Identifier: MIT
// The storage SCP behind pdi/dicom/scp.h: DcmSCP with C-ECHO and a bit-preserving C-STORE.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/dcmnet/diutil.h"
#include "dcmtk/dcmnet/dul.h"
#include "dcmtk/dcmnet/scp.h"
#include "dcmtk/oflog/oflog.h"
#include "dcmtk/ofstd/ofvector.h"

#include "pdi/dicom/scp.h"

namespace {

/*
 * As stored, no conversion: every transfer syntax we accept is written as received. The order
 * is our preference within one proposed context, the same as DCMTK's storescp (explicit
 * little, explicit big, implicit): a big endian file proposed as [big, implicit] arrives as is.
 */
const char *const xfer_syntaxes[] = {
	UID_LittleEndianExplicitTransferSyntax,
	UID_BigEndianExplicitTransferSyntax,
	UID_LittleEndianImplicitTransferSyntax,
	UID_DeflatedExplicitVRLittleEndianTransferSyntax,
	UID_JPEGProcess1TransferSyntax,
	UID_JPEGProcess2_4TransferSyntax,
	UID_JPEGProcess14TransferSyntax,
	UID_JPEGProcess14SV1TransferSyntax,
	UID_JPEGLSLosslessTransferSyntax,
	UID_JPEGLSLossyTransferSyntax,
	UID_JPEG2000LosslessOnlyTransferSyntax,
	UID_JPEG2000TransferSyntax,
	UID_RLELosslessTransferSyntax,
};

/* Whether s is one of list[0..n). */
bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* fsync the file at path. */
bool sync_file(const char *path, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	bool ok = fstat(fd, &st) == 0 && fsync(fd) == 0;
	if (ok)
		*size = (uint64_t)st.st_size;
	close(fd);
	return ok;
}

class Scp : public DcmSCP {
public:
	explicit Scp(const struct pdg_scp_config *cfg) : cfg_(cfg), counter_(0) {}

	/* Serve the one association on the connection DCMTK finds in dcmExternalSocketHandle. */
	void serve(T_ASC_Network *net) { (void)waitForAssociationRQ(net); }

protected:
	void event(enum pdg_scp_event ev, const char *ae, const char *addr)
	{
		if (cfg_->on_event)
			cfg_->on_event(cfg_->arg, ev, ae, addr);
	}

	OFBool checkCalledAETitleAccepted(const OFString &called) override
	{
		if (called == cfg_->ae_title)
			return OFTrue;
		event(PDG_SCP_EV_ASSOC_REFUSED_AE, NULL, NULL);
		return OFFalse;
	}

	OFBool checkCallingAETitleAccepted(const OFString &calling) override
	{
		if (!cfg_->ncallers || in_list(calling.c_str(), cfg_->allowed_callers, cfg_->ncallers))
			return OFTrue;
		event(PDG_SCP_EV_ASSOC_REFUSED_AE, calling.c_str(), NULL);
		return OFFalse;
	}

	/* With host lookup off DCMTK passes no name here: check the peer's IP address. */
	OFBool checkCallingHostAccepted(const OFString &) override
	{
		OFString ip = getPeerIP();
		if (!cfg_->naddresses ||
		    in_list(ip.c_str(), cfg_->allowed_addresses, cfg_->naddresses))
			return OFTrue;
		event(PDG_SCP_EV_ASSOC_REFUSED_ADDRESS, NULL, ip.c_str());
		return OFFalse;
	}

	/*
	 * DCMTK's association profiles hold at most 128 contexts, fewer than the storage SOP
	 * classes: build (once per distinct set, cached by name) a profile holding exactly the
	 * storage classes this SCU proposes, plus Verification, and make it the active one.
	 */
	void notifyAssociationRequest(const T_ASC_Parameters &params,
				      DcmSCPActionType &action) override
	{
		T_ASC_Parameters *p = const_cast<T_ASC_Parameters *>(&params);
		int n = ASC_countPresentationContexts(p);
		OFList<OFString> ts, echo_ts;
		for (const char *x : xfer_syntaxes)
			ts.push_back(x);
		echo_ts.push_back(UID_LittleEndianExplicitTransferSyntax);
		echo_ts.push_back(UID_LittleEndianImplicitTransferSyntax);
		echo_ts.push_back(UID_BigEndianExplicitTransferSyntax);
		OFString key;
		OFList<OFString> classes;
		for (int i = 0; i < n; i++) {
			T_ASC_PresentationContext pc;
			if (ASC_getPresentationContext(p, i, &pc).bad())
				continue;
			/* patient and non-patient (color palette...) storage classes */
			if (!dcmIsaStorageSOPClassUID(pc.abstractSyntax, ESSC_All))
				continue;
			bool seen = false;
			for (const OFString &c : classes)
				if (c == pc.abstractSyntax)
					seen = true;
			if (seen)
				continue;
			classes.push_back(pc.abstractSyntax);
		}
		classes.sort();
		for (const OFString &c : classes)
			key += c + ";";
		/* profile names must be short: number them, remember the key of each */
		size_t idx = 0;
		for (; idx < profiles_.size(); idx++)
			if (profiles_[idx] == key)
				break;
		char name[32];
		snprintf(name, sizeof name, "PDG%zu", idx);
		DcmSCPConfig &cfg = getConfig();
		if (idx == profiles_.size()) {
			profiles_.push_back(key);
			bool ok = cfg.addPresentationContext(UID_VerificationSOPClass, echo_ts,
							     ASC_SC_ROLE_DEFAULT, name).good();
			for (const OFString &c : classes)
				ok = ok && cfg.addPresentationContext(c, ts, ASC_SC_ROLE_DEFAULT,
								       name).good();
			if (!ok) {
				action = DCMSCP_ACTION_REFUSE_ASSOCIATION;
				return;
			}
		}
		if (cfg.setAndCheckAssociationProfile(name).bad())
			action = DCMSCP_ACTION_REFUSE_ASSOCIATION;
	}

	void notifyAssociationAcknowledge() override
	{
		event(PDG_SCP_EV_ASSOC_ACCEPTED, getPeerAETitle().c_str(), getPeerIP().c_str());
	}

	void notifyAssociationTermination() override
	{
		event(PDG_SCP_EV_ASSOC_ENDED, getPeerAETitle().c_str(), getPeerIP().c_str());
	}

	OFCondition handleIncomingCommand(T_DIMSE_Message *msg,
					  const DcmPresentationContextInfo &pc) override
	{
		if (msg->CommandField != DIMSE_C_STORE_RQ)
			return DcmSCP::handleIncomingCommand(msg, pc);
		T_DIMSE_C_StoreRQ &rq = msg->msg.CStoreRQ;
		T_ASC_PresentationContextID id = pc.presentationContextID;
		char path[4200];
		snprintf(path, sizeof path, "%s/rx-%ld-%lu.part", cfg_->tmp_dir, (long)getpid(),
			 ++counter_);
		Uint16 status = PDG_SCP_STATUS_OUT_OF_RESOURCES;
		OFCondition cond = receiveSTORERequest(rq, id, OFString(path));
		uint64_t size = 0;
		if (cond.good() && sync_file(path, &size)) {
			OFString ae = getPeerAETitle(), ip = getPeerIP();
			struct pdg_scp_instance inst = {
				path, rq.AffectedSOPClassUID, rq.AffectedSOPInstanceUID,
				ae.c_str(), ip.c_str(), size,
			};
			status = cfg_->on_instance(cfg_->arg, &inst);
		} else {
			event(PDG_SCP_EV_RECEIVE_FAILED, NULL, NULL);
		}
		unlink(path);
		if (cond.bad() && (cond == DUL_PEERABORTEDASSOCIATION ||
				   cond == DUL_PEERREQUESTEDRELEASE || cond == DIMSE_READPDVFAILED ||
				   cond == DUL_NETWORKCLOSED || cond == DIMSE_NODATAAVAILABLE))
			return cond;
		return sendSTOREResponse(id, rq, status);
	}

private:
	const struct pdg_scp_config *cfg_;
	unsigned long counter_;
	OFVector<OFString> profiles_;
};

/* A TCP socket listening on cfg->listen (IPv4; NULL or "" = every interface) and cfg->port. */
enum pdg_code open_listener(const struct pdg_scp_config *cfg, int *out, struct pdg_err *err)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)cfg->port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (cfg->listen && *cfg->listen && inet_pton(AF_INET, cfg->listen, &sa.sin_addr) != 1)
		return pdg_err_set(err, PDG_E_INVALID, "listen address '%s' is not an IPv4 address",
				   cfg->listen);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_NET, "cannot create the listening socket");
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 16)) {
		enum pdg_code rc = pdg_err_sys(err, PDG_E_NET, "cannot listen on %s port %u",
					       cfg->listen && *cfg->listen ? cfg->listen : "*",
					       cfg->port);
		close(fd);
		return rc;
	}
	*out = fd;
	return PDG_OK;
}

enum pdg_code run(const struct pdg_scp_config *cfg, struct pdg_err *err)
{
	OFLog::configure(OFLogger::OFF_LOG_LEVEL);
	Scp scp(cfg);
	scp.setPort((Uint16)cfg->port);
	scp.setAETitle(cfg->ae_title);
	scp.setHostLookupEnabled(OFFalse);
	scp.setConnectionBlockingMode(DUL_NOBLOCK);
	scp.setConnectionTimeout(1);
	scp.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
	unsigned t = cfg->timeout ? cfg->timeout : 30;
	scp.setDIMSETimeout(t);
	scp.setACSETimeout(t);
	scp.setMaxReceivePDULength(ASC_MAXIMUMPDUSIZE);

	OFList<OFString> echo_ts;
	echo_ts.push_back(UID_LittleEndianExplicitTransferSyntax);
	echo_ts.push_back(UID_LittleEndianImplicitTransferSyntax);
	echo_ts.push_back(UID_BigEndianExplicitTransferSyntax);
	if (scp.addPresentationContext(UID_VerificationSOPClass, echo_ts).bad())
		return pdg_err_set(err, PDG_E_INTERNAL, "cannot add the verification context");
	int lfd = -1;
	enum pdg_code rc = open_listener(cfg, &lfd, err);
	if (rc)
		return rc;
	/*
	 * DcmSCP::listen() would bind every interface: we bind the configured address ourselves
	 * and accept here; DCMTK's "external socket" path then takes each accepted connection.
	 * With dcmExternalSocketHandle set, ASC_initializeNetwork opens no listening socket.
	 */
	dcmEnableAutomaticInputDataCorrection.set(OFFalse);
	dcmExternalSocketHandle.set(lfd);
	T_ASC_Network *net = NULL;
	OFCondition cond = ASC_initializeNetwork(NET_ACCEPTOR, (int)cfg->port, (int)t, &net);
	if (cond.bad()) {
		dcmExternalSocketHandle.set(DCMNET_INVALID_SOCKET);
		close(lfd);
		return pdg_err_set(err, PDG_E_NET, "cannot start the DICOM network: %s", cond.text());
	}
	if (cfg->on_event)
		cfg->on_event(cfg->arg, PDG_SCP_EV_LISTENING, NULL, NULL);
	while (!*cfg->stop) {
		struct pollfd pfd = { lfd, POLLIN, 0 };
		int r = poll(&pfd, 1, 1000);
		if (r <= 0)
			continue; /* timeout, or EINTR from SIGTERM: look at *stop again */
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		struct sockaddr_storage peer;
		socklen_t plen = sizeof peer;
		/* DCMTK leaks the socket if getpeername fails there: check here first */
		if (getpeername(cfd, (struct sockaddr *)&peer, &plen)) {
			close(cfd);
			continue;
		}
		dcmExternalSocketHandle.set(cfd);
		scp.serve(net); /* DCMTK closes cfd when it drops the association */
	}
	dcmExternalSocketHandle.set(DCMNET_INVALID_SOCKET);
	ASC_dropNetwork(&net);
	close(lfd);
	return PDG_OK;
}

} // namespace

extern "C" enum pdg_code pdg_scp_run(const struct pdg_scp_config *cfg, struct pdg_err *err)
{
	if (!cfg || !cfg->ae_title || !*cfg->ae_title || strlen(cfg->ae_title) > 16 ||
	    !cfg->port || cfg->port > 65535 || !cfg->tmp_dir || !cfg->on_instance || !cfg->stop)
		return pdg_err_set(err, PDG_E_INVALID, "bad DICOM listener configuration");
	try {
		return run(cfg, err);
	} catch (const std::bad_alloc &) {
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory in the DICOM listener");
	} catch (...) {
		return pdg_err_set(err, PDG_E_DICOM, "DCMTK failed in the DICOM listener");
	}
}
