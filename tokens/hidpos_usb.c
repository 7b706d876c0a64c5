/* SPDX-License-Identifier: MIT */
/* Reading a HID POS barcode scanner through libusb: find it, claim it, poll its interrupt-IN endpoint. */
#include <stdio.h>
#include <string.h>

#include <libusb.h>
#include <openssl/crypto.h>

#include "tokens/hidpos.h"

struct scanner {
	libusb_device *dev;
	int iface;
	unsigned char ep;
	uint16_t max_packet;
};

/* A non-boot HID interface (subclass 0) with an interrupt-IN endpoint, in dev's active config. */
static int find_iface(libusb_device *dev, struct scanner *s)
{
	struct libusb_config_descriptor *cfg;
	int found = 0;

	if (libusb_get_active_config_descriptor(dev, &cfg) &&
	    libusb_get_config_descriptor(dev, 0, &cfg))
		return 0;
	for (int i = 0; i < cfg->bNumInterfaces && !found; i++) {
		const struct libusb_interface_descriptor *alt = &cfg->interface[i].altsetting[0];

		if (cfg->interface[i].num_altsetting < 1 || alt->bInterfaceClass != LIBUSB_CLASS_HID ||
		    alt->bInterfaceSubClass != 0)
			continue;
		for (int e = 0; e < alt->bNumEndpoints && !found; e++) {
			const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];

			if ((ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) &&
			    (ep->bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_INTERRUPT) {
				s->iface = alt->bInterfaceNumber;
				s->ep = ep->bEndpointAddress;
				s->max_packet = ep->wMaxPacketSize;
				found = 1;
			}
		}
	}
	libusb_free_config_descriptor(cfg);
	return found;
}

static enum pdg_code poll_scanner(libusb_device_handle *h, const struct scanner *s,
				  unsigned count, unsigned idle_ms,
				  const struct pdg_hidpos_sink *sink, struct pdg_err *err)
{
	struct pdg_hidpos st;
	uint8_t rep[PDG_HIDPOS_REPORT_MAX];
	char why[64];
	unsigned n = 0;
	enum pdg_code rc = PDG_OK;

	pdg_hidpos_init(&st);
	while (!rc && (!count || n < count)) {
		int got = 0, r = libusb_interrupt_transfer(h, s->ep, rep, sizeof(rep), &got,
							   idle_ms);

		if (r == LIBUSB_ERROR_TIMEOUT && idle_ms)
			break;
		if (r == LIBUSB_ERROR_TIMEOUT || r == LIBUSB_ERROR_INTERRUPTED)
			continue;
		if (r) {
			rc = pdg_err_set(err, PDG_E_IO, "reading the scanner failed: %s",
					 libusb_strerror(r));
			break;
		}
		switch (pdg_hidpos_feed(&st, rep, (size_t)got, why, sizeof(why))) {
		case PDG_HIDPOS_SCAN:
			rc = sink->scan(sink->ctx, ++n, st.text);
			pdg_hidpos_next(&st);
			break;
		case PDG_HIDPOS_BAD:
			rc = sink->bad(sink->ctx, ++n, why);
			break;
		case PDG_HIDPOS_MORE:
			break;
		}
	}
	OPENSSL_cleanse(rep, sizeof(rep));
	pdg_hidpos_wipe(&st);
	return rc;
}

enum pdg_code pdg_hidpos_read_usb(uint16_t vendor, uint16_t product, unsigned count,
				  unsigned idle_ms, const struct pdg_hidpos_sink *sink,
				  struct pdg_err *err)
{
	libusb_context *ctx;
	libusb_device **devs;
	libusb_device_handle *h = NULL;
	struct scanner s = { 0 };
	enum pdg_code rc;
	ssize_t nd;
	int r, claimed;

	if ((r = libusb_init(&ctx)) != 0)
		return pdg_err_set(err, PDG_E_IO, "cannot start libusb: %s", libusb_strerror(r));
	nd = libusb_get_device_list(ctx, &devs);
	for (ssize_t i = 0; i < nd && !s.dev; i++) {
		struct libusb_device_descriptor dd;

		if (libusb_get_device_descriptor(devs[i], &dd))
			continue;
		if ((vendor || product) && (dd.idVendor != vendor || dd.idProduct != product))
			continue;
		if (find_iface(devs[i], &s))
			s.dev = devs[i];
	}
	if (!s.dev) {
		rc = vendor || product
			? pdg_err_set(err, PDG_E_NOTFOUND, "no HID scanner %04x:%04x", vendor, product)
			: pdg_err_set(err, PDG_E_NOTFOUND, "no HID POS scanner found");
		goto out;
	}
	if ((r = libusb_open(s.dev, &h)) != 0) {
		rc = pdg_err_set(err, PDG_E_IO, "cannot open the scanner: %s", libusb_strerror(r));
		goto out;
	}
	libusb_set_auto_detach_kernel_driver(h, 1);
	claimed = libusb_claim_interface(h, s.iface);
	if (claimed == LIBUSB_ERROR_BUSY || claimed == LIBUSB_ERROR_ACCESS) {
		rc = pdg_err_set(err, PDG_E_IO, "cannot claim the scanner's interface %d: %s",
				 s.iface, libusb_strerror(claimed));
		goto out;
	}
	/*
	 * Another failure (a kernel without USBDEVFS_DISCONNECT_CLAIM, or umockdev, which does
	 * not emulate the claim ioctls) is not fatal: usbfs claims a free interface at the
	 * first transfer, and a transfer on an interface held by a driver fails clearly.
	 */
	rc = poll_scanner(h, &s, count, idle_ms, sink, err);
	if (!claimed)
		libusb_release_interface(h, s.iface);
out:
	if (h)
		libusb_close(h);
	if (nd >= 0)
		libusb_free_device_list(devs, 1);
	libusb_exit(ctx);
	return rc;
}
