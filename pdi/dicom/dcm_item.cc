// SPDX-License-Identifier: MIT
// The DCMTK shim's element access: list, get, put, empty, remove and sequence items.
#include <cstring>
#include <vector>

#include "pdi/dicom/dcm_impl.h"

using namespace pdg_dcm_impl;

namespace {

/* The shim edits from the list's cursor: the engine walks an item in tag order, so each lookup
 * costs a step instead of a scan from the head, and a remove or replace no scan at all
 * (DcmItem::remove(DcmObject *) scans from the head, DcmItem::insert from the tail: both are
 * quadratic over a ~600-element header). */

/*
 * The element tag in item (not searching into sequences), or NULL. On success the item's list
 * cursor is on the element. Searches forward from the cursor when tag sorts after it, else
 * from the head; the list is sorted, so the scan stops at the first larger tag.
 */
DcmElement *find(DcmItem *item, uint32_t tag)
{
	DcmList *list = item_list::of(item);
	const DcmTagKey key = key_of(tag);
	DcmObject *o;

	if (!list || list->empty())
		return NULL;
	o = list->get(ELP_atpos);
	if (!o || key < o->getTag())
		o = list->seek(ELP_first);
	for (; o; o = list->seek(ELP_next)) {
		const DcmTag &t = o->getTag();
		if (t == key)
			return OFstatic_cast(DcmElement *, o);
		if (key < t)
			break;
	}
	return NULL;
}

/* Unlink el, found by find() just before (so under the cursor), from item and delete it. */
void remove_found(DcmItem *item, DcmElement *el)
{
	DcmList *list = item_list::of(item);

	if (list->get(ELP_atpos) == el)
		list->remove(); /* the cursor moves to the next element */
	else
		(void)item->remove(el); /* not under the cursor: DCMTK's own scan */
	el->setParent(NULL);
	delete el;
}

bool is_sequence(DcmElement *el)
{
	return dynamic_cast<DcmSequenceOfItems *>(el) != NULL;
}

/* Encapsulated (compressed) pixel data: no flat value to hand out. */
bool is_encapsulated(DcmElement *el)
{
	return el->getLengthField() == DCM_UndefinedLength && !is_sequence(el);
}

/* The VR name to report for an element: a valid two-letter DICOM VR. */
const char *vr_name(DcmElement *el)
{
	if (is_sequence(el))
		return "SQ";
	return DcmVR(el->getVR()).getValidVRName();
}

/* Map DCMTK's internal ambiguous VRs to the VR given to a new element (PS3.5 6.2 notes). */
DcmEVR concrete_vr(DcmEVR vr)
{
	switch (vr) {
	case EVR_xs:
		return EVR_US;
	case EVR_lt:
	case EVR_ox:
	case EVR_px:
		return EVR_OW;
	case EVR_up:
		return EVR_UL;
	default:
		return vr;
	}
}

/* Pointer to the element's value in local (little-endian) byte order, loading it if lazy. */
OFCondition value_bytes(DcmElement *el, const uint8_t **data)
{
	OFCondition c = EC_IllegalCall;
	Uint8 *u8 = NULL;
	Uint16 *u16 = NULL;
	Sint16 *s16 = NULL;
	Uint32 *u32 = NULL;
	Sint32 *s32 = NULL;
	Float32 *f32 = NULL;
	Float64 *f64 = NULL;
	Uint64 *u64 = NULL;
	Sint64 *s64 = NULL;

	switch (el->ident()) {
	case EVR_OB:
	case EVR_UN:
	case EVR_ox:
	case EVR_PixelData:
	case EVR_OverlayData:
		c = el->getUint8Array(u8);
		if (c.good()) {
			*data = u8;
			break;
		}
		/* a polymorphic OB/OW element currently in OW form */
		/* fall through */
	case EVR_OW:
	case EVR_lt:
	case EVR_US:
	case EVR_AT:
		c = el->getUint16Array(u16);
		*data = reinterpret_cast<const uint8_t *>(u16);
		break;
	case EVR_SS:
		c = el->getSint16Array(s16);
		*data = reinterpret_cast<const uint8_t *>(s16);
		break;
	case EVR_UL:
	case EVR_OL:
	case EVR_up:
		c = el->getUint32Array(u32);
		*data = reinterpret_cast<const uint8_t *>(u32);
		break;
	case EVR_SL:
		c = el->getSint32Array(s32);
		*data = reinterpret_cast<const uint8_t *>(s32);
		break;
	case EVR_FL:
	case EVR_OF:
		c = el->getFloat32Array(f32);
		*data = reinterpret_cast<const uint8_t *>(f32);
		break;
	case EVR_FD:
	case EVR_OD:
		c = el->getFloat64Array(f64);
		*data = reinterpret_cast<const uint8_t *>(f64);
		break;
	case EVR_UV:
	case EVR_OV:
		c = el->getUint64Array(u64);
		*data = reinterpret_cast<const uint8_t *>(u64);
		break;
	case EVR_SV:
		c = el->getSint64Array(s64);
		*data = reinterpret_cast<const uint8_t *>(s64);
		break;
	default:
		break;
	}
	return c;
}

/* Size in bytes of one value of a binary VR; 1 for byte-oriented and string VRs. */
size_t unit_of(DcmEVR vr)
{
	switch (vr) {
	case EVR_OW:
	case EVR_US:
	case EVR_SS:
	case EVR_AT:
		return 2;
	case EVR_UL:
	case EVR_SL:
	case EVR_FL:
	case EVR_OF:
	case EVR_OL:
		return 4;
	case EVR_FD:
	case EVR_OD:
	case EVR_UV:
	case EVR_SV:
	case EVR_OV:
		return 8;
	default:
		return 1;
	}
}

/* Set el (fresh, empty) to len raw bytes; binary VRs take little-endian values. */
OFCondition set_bytes(DcmElement *el, const void *data, size_t len)
{
	if (len == 0)
		return EC_Normal;
	if (DcmByteString *bs = dynamic_cast<DcmByteString *>(el))
		return bs->putString(static_cast<const char *>(data), (Uint32)len);
	size_t unit = unit_of(el->ident());
	unsigned long n = (unsigned long)(len / unit);
	/* an aligned copy: the caller's bytes may sit at any address */
	std::vector<uint64_t> aligned((len + 7) / 8);
	memcpy(aligned.data(), data, len);
	const void *a = aligned.data();
	switch (el->ident()) {
	case EVR_OW:
	case EVR_US:
		return el->putUint16Array(static_cast<const Uint16 *>(a), n);
	case EVR_AT:
		/* DcmAttributeTag counts tags (two 16-bit words each), not words */
		return el->putUint16Array(static_cast<const Uint16 *>(a), n / 2);
	case EVR_SS:
		return el->putSint16Array(static_cast<const Sint16 *>(a), n);
	case EVR_UL:
	case EVR_OL:
		return el->putUint32Array(static_cast<const Uint32 *>(a), n);
	case EVR_SL:
		return el->putSint32Array(static_cast<const Sint32 *>(a), n);
	case EVR_FL:
	case EVR_OF:
		return el->putFloat32Array(static_cast<const Float32 *>(a), n);
	case EVR_FD:
	case EVR_OD:
		return el->putFloat64Array(static_cast<const Float64 *>(a), n);
	case EVR_UV:
	case EVR_OV:
		if (DcmUnsigned64bitVeryLong *uv = dynamic_cast<DcmUnsigned64bitVeryLong *>(el))
			return uv->putUint64Array(static_cast<const Uint64 *>(a), n);
		return EC_IllegalCall;
	case EVR_SV:
		if (DcmSigned64bitVeryLong *sv = dynamic_cast<DcmSigned64bitVeryLong *>(el))
			return sv->putSint64Array(static_cast<const Sint64 *>(a), n);
		return EC_IllegalCall;
	default:
		return el->putUint8Array(static_cast<const Uint8 *>(data), (unsigned long)len);
	}
}

/* Replace (or add) tag in item with a new element of vr holding data. */
enum pdg_code put_element(DcmItem *item, uint32_t tag, DcmEVR vr, const void *data, size_t len,
			  bool as_string, struct pdg_err *err)
{
	if (PDG_TAG_GROUP(tag) == 0xfffe || PDG_TAG_ELEM(tag) == 0x0000)
		return pdg_err_set(err, PDG_E_INVALID, "cannot set (%04x,%04x): not a data element",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
	if (len > 0xfffffffeu)
		return pdg_err_set(err, PDG_E_LIMIT, "value for (%04x,%04x) too long",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
	/* DcmTag(key, vr) does no dictionary lookup (and takes no dictionary lock) */
	DcmTag t(key_of(tag), DcmVR(vr));
	DcmElement *el = NULL;
	OFCondition c = DcmItem::newDicomElementWithVR(el, t);
	if (c.bad() || !el)
		return pdg_err_set(err, PDG_E_DICOM, "cannot create element (%04x,%04x): %s",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag), c.text());
	if (as_string && !dynamic_cast<DcmByteString *>(el))
		c = el->putString(static_cast<const char *>(data), (Uint32)len);
	else
		c = set_bytes(el, data, len);
	if (c.good()) {
		DcmElement *old = find(item, tag);
		if (old) {
			/* replace under the cursor: same place in the (sorted) list */
			remove_found(item, old);
			DcmList *list = item_list::of(item);
			list->insert(el, ELP_prev); /* before the follower, or appended */
			el->setParent(item);
		} else {
			c = item->insert(el, OFFalse);
		}
	}
	if (c.bad()) {
		delete el;
		return pdg_err_set(err, PDG_E_INVALID, "cannot set (%04x,%04x) as %s: %s",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag),
				   DcmVR(vr).getValidVRName(), c.text());
	}
	return PDG_OK;
}

} // namespace

extern "C" enum pdg_code pdg_dcm_list(struct pdg_dcm_item *handle, struct pdg_dcm_elem *out,
				      size_t cap, size_t *n, struct pdg_err *err)
{
	PDG_DCM_TRY
	DcmItem *item = item_of(handle);
	unsigned long card = item->card();

	*n = card;
	/*
	 * nextInContainer walks the list from its cursor: linear in the number of elements,
	 * where getElement(i) starts from the head each time (quadratic on large headers).
	 */
	DcmObject *obj = NULL;
	for (unsigned long i = 0; i < card && i < cap; i++) {
		obj = item->nextInContainer(obj);
		DcmElement *el = obj ? OFstatic_cast(DcmElement *, obj) : NULL;
		if (!el)
			break;
		const DcmTag &t = el->getTag();
		struct pdg_dcm_elem *o = &out[i];
		o->tag = PDG_TAG(t.getGTag(), t.getETag());
		const char *vr = vr_name(el);
		o->vr[0] = vr[0];
		o->vr[1] = vr[1];
		o->vr[2] = '\0';
		if (DcmSequenceOfItems *sq = dynamic_cast<DcmSequenceOfItems *>(el))
			o->length = (uint32_t)sq->card();
		else if (is_encapsulated(el))
			o->length = PDG_DCM_UNDEFINED_LENGTH;
		else
			o->length = el->getLength();
	}
	return PDG_OK;
	PDG_DCM_CATCH(err)
}

extern "C" int pdg_dcm_has(struct pdg_dcm_item *handle, uint32_t tag)
{
	try {
		return find(item_of(handle), tag) != NULL;
	} catch (...) {
		return 0;
	}
}

extern "C" enum pdg_code pdg_dcm_get_raw(struct pdg_dcm_item *handle, uint32_t tag,
					 const uint8_t **data, size_t *len, struct pdg_err *err)
{
	PDG_DCM_TRY
	static const uint8_t empty[1] = {0};
	DcmElement *el = find(item_of(handle), tag);

	*data = NULL;
	*len = 0;
	if (!el)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no element (%04x,%04x)",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
	if (is_sequence(el))
		return pdg_err_set(err, PDG_E_INVALID, "(%04x,%04x) is a sequence",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
	if (is_encapsulated(el))
		return pdg_err_set(err, PDG_E_INVALID, "(%04x,%04x) is encapsulated pixel data",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
	if (DcmByteString *bs = dynamic_cast<DcmByteString *>(el)) {
		char *s = NULL;
		Uint32 n = 0;
		OFCondition c = bs->getString(s, n);
		if (c.bad())
			return fail(err, PDG_E_DICOM, "cannot read a string value", c);
		*data = s ? reinterpret_cast<const uint8_t *>(s) : empty;
		*len = s ? n : 0;
		return PDG_OK;
	}
	Uint32 n = el->getLength();
	if (n == 0) {
		*data = empty;
		return PDG_OK;
	}
	const uint8_t *p = NULL;
	OFCondition c = value_bytes(el, &p);
	if (c.bad())
		return fail(err, PDG_E_DICOM, "cannot read a value", c);
	*data = p ? p : empty;
	*len = p ? n : 0;
	return PDG_OK;
	PDG_DCM_CATCH(err)
}

extern "C" enum pdg_code pdg_dcm_get_string(struct pdg_dcm_item *handle, uint32_t tag, char *buf,
					    size_t cap, struct pdg_err *err)
{
	PDG_DCM_TRY
	DcmElement *el = find(item_of(handle), tag);

	if (cap)
		buf[0] = '\0';
	if (!el)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no element (%04x,%04x)",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
	if (is_sequence(el) || is_encapsulated(el))
		return pdg_err_set(err, PDG_E_INVALID, "(%04x,%04x) has no string value",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
	const char *s = NULL;
	size_t n = 0;
	OFString formatted;
	if (DcmByteString *bs = dynamic_cast<DcmByteString *>(el)) {
		char *p = NULL;
		Uint32 plen = 0;
		OFCondition c = bs->getString(p, plen);
		if (c.bad())
			return fail(err, PDG_E_DICOM, "cannot read a string value", c);
		s = p ? p : "";
		n = p ? plen : 0;
		/* trailing padding: DCMTK strips it on read; values set here may still carry it */
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0'))
			n--;
	} else {
		switch (el->ident()) {
		case EVR_US:
		case EVR_SS:
		case EVR_UL:
		case EVR_SL:
		case EVR_FL:
		case EVR_FD:
		case EVR_AT:
		case EVR_UV:
		case EVR_SV:
		case EVR_xs:
		case EVR_up:
			break;
		default:
			return pdg_err_set(err, PDG_E_INVALID, "(%04x,%04x) has no string value",
					   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
		}
		/* numbers: DCMTK's decimal text, values separated by backslashes */
		OFCondition c = el->getOFStringArray(formatted);
		if (c.bad())
			return fail(err, PDG_E_DICOM, "cannot read a value", c);
		s = formatted.c_str();
		n = formatted.length();
	}
	if (n >= cap)
		return pdg_err_set(err, PDG_E_LIMIT, "value of (%04x,%04x) longer than %zu bytes",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag), cap ? cap - 1 : 0);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return PDG_OK;
	PDG_DCM_CATCH(err)
}

extern "C" enum pdg_code pdg_dcm_put_string(struct pdg_dcm_item *handle, uint32_t tag,
					    const char *value, struct pdg_err *err)
{
	PDG_DCM_TRY
	DcmItem *item = item_of(handle);
	DcmElement *old = find(item, tag);
	DcmEVR vr;

	if (old) {
		vr = is_sequence(old) ? EVR_SQ : old->getVR();
	} else {
		DcmTag t(key_of(tag));
		vr = t.getEVR();
	}
	vr = concrete_vr(vr);
	switch (vr) {
	case EVR_SQ:
		return pdg_err_set(err, PDG_E_INVALID, "(%04x,%04x) is a sequence",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
	case EVR_UNKNOWN:
	case EVR_UNKNOWN2B:
		return pdg_err_set(err, PDG_E_INVALID, "(%04x,%04x) has no dictionary VR",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
	case EVR_UN:
		if (!old)
			return pdg_err_set(err, PDG_E_INVALID, "(%04x,%04x) has no dictionary VR",
					   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
		{
			/* an existing UN element: keep it UN, the text as its bytes padded to even */
			std::string v(value);
			if (v.size() & 1)
				v.push_back(' ');
			return put_element(item, tag, EVR_UN, v.data(), v.size(), false, err);
		}
	default:
		break;
	}
	return put_element(item, tag, vr, value, strlen(value), true, err);
	PDG_DCM_CATCH(err)
}

extern "C" enum pdg_code pdg_dcm_put_raw(struct pdg_dcm_item *handle, uint32_t tag,
					 const char *vr, const void *data, size_t len,
					 struct pdg_err *err)
{
	PDG_DCM_TRY
	if (!vr || strlen(vr) != 2)
		return pdg_err_set(err, PDG_E_INVALID, "bad VR for (%04x,%04x)", PDG_TAG_GROUP(tag),
				   PDG_TAG_ELEM(tag));
	DcmVR v(vr);
	DcmEVR evr = v.getEVR();
	if (!v.isStandard() || evr == EVR_SQ)
		return pdg_err_set(err, PDG_E_INVALID, "cannot set (%04x,%04x) with VR '%.2s'",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag), vr);
	if (len % unit_of(evr))
		return pdg_err_set(err, PDG_E_INVALID,
				   "value for (%04x,%04x) is not a whole number of %s values",
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag), vr);
	if (len && !data)
		return pdg_err_set(err, PDG_E_INVALID, "no data for (%04x,%04x)", PDG_TAG_GROUP(tag),
				   PDG_TAG_ELEM(tag));
	return put_element(item_of(handle), tag, evr, data, len, false, err);
	PDG_DCM_CATCH(err)
}

extern "C" enum pdg_code pdg_dcm_empty(struct pdg_dcm_item *handle, uint32_t tag,
				       struct pdg_err *err)
{
	PDG_DCM_TRY
	DcmElement *el = find(item_of(handle), tag);
	if (!el)
		return PDG_OK;
	OFCondition c = el->clear();
	if (c.bad())
		return fail(err, PDG_E_DICOM, "cannot empty an element", c);
	return PDG_OK;
	PDG_DCM_CATCH(err)
}

extern "C" enum pdg_code pdg_dcm_remove(struct pdg_dcm_item *handle, uint32_t tag,
					struct pdg_err *err)
{
	PDG_DCM_TRY
	DcmItem *item = item_of(handle);
	DcmElement *el = find(item, tag);
	if (!el)
		return PDG_OK;
	remove_found(item, el);
	return PDG_OK;
	PDG_DCM_CATCH(err)
}

extern "C" size_t pdg_dcm_seq_count(struct pdg_dcm_item *handle, uint32_t tag)
{
	try {
		DcmSequenceOfItems *sq =
			dynamic_cast<DcmSequenceOfItems *>(find(item_of(handle), tag));
		return sq ? sq->card() : 0;
	} catch (...) {
		return 0;
	}
}

extern "C" struct pdg_dcm_item *pdg_dcm_seq_item(struct pdg_dcm_item *handle, uint32_t tag,
						 size_t i)
{
	try {
		DcmSequenceOfItems *sq =
			dynamic_cast<DcmSequenceOfItems *>(find(item_of(handle), tag));
		if (!sq || i >= sq->card())
			return NULL;
		return handle_of(sq->getItem((unsigned long)i));
	} catch (...) {
		return NULL;
	}
}

extern "C" enum pdg_code pdg_dcm_seq_remove(struct pdg_dcm_item *handle, uint32_t tag, size_t i,
					    struct pdg_err *err)
{
	PDG_DCM_TRY
	DcmSequenceOfItems *sq = dynamic_cast<DcmSequenceOfItems *>(find(item_of(handle), tag));
	if (!sq || i >= sq->card())
		return pdg_err_set(err, PDG_E_NOTFOUND, "no item %zu in (%04x,%04x)", i,
				   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
	delete sq->remove((unsigned long)i);
	return PDG_OK;
	PDG_DCM_CATCH(err)
}

extern "C" enum pdg_code pdg_dcm_seq_append(struct pdg_dcm_item *handle, uint32_t tag,
					    struct pdg_dcm_item **out, struct pdg_err *err)
{
	PDG_DCM_TRY
	DcmItem *item = item_of(handle);
	DcmElement *el = find(item, tag);
	DcmSequenceOfItems *sq;

	*out = NULL;
	if (el) {
		sq = dynamic_cast<DcmSequenceOfItems *>(el);
		if (!sq)
			return pdg_err_set(err, PDG_E_INVALID, "(%04x,%04x) is not a sequence",
					   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
	} else {
		if (PDG_TAG_GROUP(tag) == 0xfffe || PDG_TAG_ELEM(tag) == 0x0000)
			return pdg_err_set(err, PDG_E_INVALID,
					   "cannot set (%04x,%04x): not a data element",
					   PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
		sq = new DcmSequenceOfItems(DcmTag(key_of(tag), EVR_SQ));
		OFCondition c = item->insert(sq, OFFalse);
		if (c.bad()) {
			delete sq;
			return fail(err, PDG_E_DICOM, "cannot add a sequence", c);
		}
	}
	DcmItem *ni = new DcmItem();
	OFCondition c = sq->append(ni);
	if (c.bad()) {
		delete ni;
		return fail(err, PDG_E_DICOM, "cannot add a sequence item", c);
	}
	*out = handle_of(ni);
	return PDG_OK;
	PDG_DCM_CATCH(err)
}

extern "C" const char *pdg_dcm_dict_vr(uint32_t tag)
{
	try {
		init();
		const DcmDataDictionary &dict = dcmDataDict.rdlock();
		const DcmDictEntry *e = dict.findEntry(key_of(tag), NULL);
		DcmEVR vr = e ? e->getEVR() : EVR_UN;
		dcmDataDict.rdunlock();
		return DcmVR(vr).getValidVRName();
	} catch (...) {
		return "UN";
	}
}

extern "C" const char *pdg_dcm_dict_keyword(uint32_t tag)
{
	try {
		init();
		const DcmDataDictionary &dict = dcmDataDict.rdlock();
		const DcmDictEntry *e = dict.findEntry(key_of(tag), NULL);
		/* the name is owned by the dictionary, which lives as long as the process */
		const char *name = e ? e->getTagName() : NULL;
		dcmDataDict.rdunlock();
		return name;
	} catch (...) {
		return NULL;
	}
}
