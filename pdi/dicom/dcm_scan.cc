// SPDX-License-Identifier: MIT
// Structural pre-scan of a DICOM file (magic, truncation, nesting depth) before DCMTK parses it.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pdi/dicom/dcm_impl.h"
#include "pdi/dicom/dcm_scan.h"

namespace {

/* A read window over the file: element headers are read, values are skipped. */
struct reader {
	int fd;
	uint64_t size;
	uint8_t buf[65536];
	uint64_t base; /* file offset of buf[0] */
	size_t len;    /* valid bytes in buf */
};

/* Copy n (<= 64) bytes at pos into out; false if the file ends first or a read fails. */
bool get(struct reader *r, uint64_t pos, size_t n, uint8_t *out, int *sys_err)
{
	if (pos > r->size || r->size - pos < n)
		return false;
	if (pos < r->base || pos + n > r->base + r->len) {
		ssize_t got;
		do
			got = pread(r->fd, r->buf, sizeof(r->buf), (off_t)pos);
		while (got < 0 && errno == EINTR);
		if (got < 0) {
			*sys_err = errno;
			return false;
		}
		r->base = pos;
		r->len = (size_t)got;
		if (r->len < n)
			return false;
	}
	memcpy(out, r->buf + (pos - r->base), n);
	return true;
}

uint16_t u16(const uint8_t *p, bool be)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

uint32_t u32(const uint8_t *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		  : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

DcmVR vr_of(const uint8_t *p)
{
	const char name[3] = {(char)p[0], (char)p[1], '\0'};
	return DcmVR(name);
}

/*
 * Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2), decided the
 * way DCMTK's parser decides it: unknown VRs of two uppercase letters count as future VRs
 * with the long form, other unknown bytes as the short form.
 */
/*
 * DcmVR's constructor searches its table by name (a string compare per entry) and the scan
 * asks once or twice per element: the answers for the 26 x 26 uppercase names are taken from
 * DcmVR once (so they are DCMTK's answers) and looked up after that.
 */
enum { VR_LONG = 1, VR_STANDARD = 2 };

struct vr_props {
	uint8_t p[26][26];
	vr_props()
	{
		for (int a = 0; a < 26; a++)
			for (int b = 0; b < 26; b++) {
				const uint8_t name[2] = {(uint8_t)('A' + a), (uint8_t)('A' + b)};
				DcmVR vr = vr_of(name);
				p[a][b] = (uint8_t)((vr.usesExtendedLengthEncoding() ? VR_LONG : 0) |
						    (vr.isStandard() ? VR_STANDARD : 0));
			}
	}
};

bool upper2(const uint8_t *p)
{
	return p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z';
}

const vr_props &props()
{
	static const vr_props table; /* built once, thread-safe (C++11 static init) */
	return table;
}

bool long_vr(const uint8_t *vr)
{
	if (upper2(vr))
		return props().p[vr[0] - 'A'][vr[1] - 'A'] & VR_LONG;
	return vr_of(vr).usesExtendedLengthEncoding();
}

bool is_vr(const uint8_t *p)
{
	return upper2(p) && (props().p[p[0] - 'A'][p[1] - 'A'] & VR_STANDARD);
}

enum pdg_code corrupt(struct scan *s, const char *what);

enum kind { DATASET, SEQUENCE, ITEM, FRAGMENTS };

struct frame {
	enum kind kind;
	uint64_t end;  /* UINT64_MAX: undefined length */
	bool implicit; /* content encoding (UN with undefined length switches to implicit LE) */
	bool be;       /* big endian content */
};

const uint64_t UNDEF = UINT64_MAX;

struct scan {
	struct reader *r;
	const char *path;
	bool be; /* the dataset's byte order */
	int max_depth;
	int sys_err;
	struct pdg_err *err;
	struct pdg_dcm_scan_info info;
};

enum pdg_code corrupt(struct scan *s, const char *what)
{
	return pdg_err_set(s->err, PDG_E_DICOM, "'%s': corrupt DICOM file: %s", s->path, what);
}

enum pdg_code truncated(struct scan *s)
{
	if (s->sys_err) {
		errno = s->sys_err;
		return pdg_err_sys(s->err, PDG_E_IO, "cannot read '%s'", s->path);
	}
	return pdg_err_set(s->err, PDG_E_DICOM, "'%s': truncated DICOM file", s->path);
}

bool dict_is_sq(uint16_t g, uint16_t e)
{
	DcmTag tag(g, e);
	return tag.getEVR() == EVR_SQ;
}

/* Walk the element headers from pos to the end of the file. */
enum pdg_code walk(struct scan *s, uint64_t pos, bool implicit)
{
	std::vector<struct frame> stack;
	uint8_t h[12];
	int depth = 0;

	stack.push_back({DATASET, UNDEF, implicit, s->be});
	for (;;) {
		struct frame &top = stack.back();
		if (top.end != UNDEF && pos >= top.end) {
			if (top.kind == SEQUENCE || top.kind == FRAGMENTS)
				depth--;
			stack.pop_back();
			continue;
		}
		if (pos == s->r->size)
			return PDG_OK; /* open undefined-length containers: DCMTK decides */
		if (!get(s->r, pos, 8, h, &s->sys_err))
			return truncated(s);
		bool be = top.be;
		uint16_t g = u16(h, be), e = u16(h + 2, be);
		if (g == 0xfffe) {
			/* item and delimiters: tag + 4-byte length in every transfer syntax */
			uint32_t len = u32(h + 4, be);
			pos += 8;
			if (e == 0xe000) {
				if (top.kind == FRAGMENTS) {
					if (len == 0xffffffffu || s->r->size - pos < len)
						return truncated(s);
					pos += len;
					continue;
				}
				stack.push_back({ITEM, len == 0xffffffffu ? UNDEF : pos + len,
						 top.implicit, be});
			} else if (e == 0xe00d || e == 0xe0dd) {
				/*
				 * A delimiter closes the innermost container, which must be of its
				 * kind: a scan that popped more or less than DCMTK would count the
				 * depth wrongly. At the top level it is DCMTK's to judge.
				 */
				if (stack.size() == 1)
					continue;
				bool item = top.kind == ITEM;
				if (e == 0xe00d ? !item : item)
					return corrupt(s, "misplaced delimitation item");
				if (!item)
					depth--;
				stack.pop_back();
			}
			continue;
		}
		uint32_t len;
		bool container = false, opaque = false, inner_implicit = top.implicit, inner_be = be;
		if (top.implicit) {
			len = u32(h + 4, be);
			pos += 8;
			if (len == 0xffffffffu) {
				/* encapsulated pixel data holds fragments; anything else, items */
				container = true;
				opaque = g == 0x7fe0 && e == 0x0010;
			} else if (dict_is_sq(g, e)) {
				container = true;
			} else if (len >= 8) {
				/* conservative: a value that starts like an item may be parsed as one */
				uint8_t p[4];
				if (get(s->r, pos, 4, p, &s->sys_err) && u16(p, be) == 0xfffe &&
				    u16(p + 2, be) == 0xe000)
					container = true;
			}
		} else {
			const uint8_t *vr = h + 4;
			if (long_vr(vr)) {
				if (!get(s->r, pos + 8, 4, h + 8, &s->sys_err))
					return truncated(s);
				len = u32(h + 8, be);
				pos += 12;
			} else {
				len = u16(h + 6, be);
				pos += 8;
			}
			if (vr[0] == 'S' && vr[1] == 'Q') {
				container = true;
			} else if (len == 0xffffffffu) {
				container = true;
				DcmEVR evr = vr_of(vr).getEVR();
				if (evr == EVR_UN || evr == EVR_UNKNOWN) {
					/* CP 246: the content is implicit VR little endian */
					inner_implicit = true;
					inner_be = false;
				} else if (g == 0x7fe0 && e == 0x0010) {
					opaque = true; /* encapsulated pixel data: fragments */
				}
				/* any other undefined length: counted as a sequence (conservative) */
			}
		}
		if (!container) {
			if (s->r->size - pos < len)
				return truncated(s);
			if (g == 0x7fe0 && e == 0x0010 && stack.size() == 1 && !be) {
				s->info.pixel_offset = pos;
				s->info.pixel_length = len;
			}
			pos += len;
			continue;
		}
		if (len != 0xffffffffu && s->r->size - pos < len)
			return truncated(s);
		if (++depth > s->max_depth)
			return pdg_err_set(s->err, PDG_E_LIMIT, "'%s': sequences nested deeper than %d",
					   s->path, s->max_depth);
		stack.push_back({opaque ? FRAGMENTS : SEQUENCE,
				 len == 0xffffffffu ? UNDEF : pos + len, inner_implicit, inner_be});
	}
}

/* The meta group (explicit VR little endian) from pos; sets *ts_out to the transfer syntax. */
enum pdg_code scan_meta(struct scan *s, uint64_t *pos, std::string *ts_out)
{
	uint8_t h[12];
	for (;;) {
		if (*pos == s->r->size)
			return PDG_OK;
		if (!get(s->r, *pos, 8, h, &s->sys_err))
			return truncated(s);
		if (u16(h, false) != 0x0002)
			return PDG_OK;
		uint32_t len;
		uint64_t p = *pos;
		if (!is_vr(h + 4))
			return pdg_err_set(s->err, PDG_E_DICOM, "'%s': corrupt DICOM meta header",
					   s->path);
		if (long_vr(h + 4)) {
			if (!get(s->r, p + 8, 4, h + 8, &s->sys_err))
				return truncated(s);
			len = u32(h + 8, false);
			p += 12;
		} else {
			len = u16(h + 6, false);
			p += 8;
		}
		if (len == 0xffffffffu)
			return pdg_err_set(s->err, PDG_E_DICOM, "'%s': corrupt DICOM meta header",
					   s->path);
		if (s->r->size - p < len)
			return truncated(s);
		if (u16(h + 2, false) == 0x0010 && len <= 64) {
			uint8_t v[64];
			if (!get(s->r, p, len, v, &s->sys_err))
				return truncated(s);
			std::string ts((const char *)v, len);
			while (!ts.empty() && (ts.back() == '\0' || ts.back() == ' '))
				ts.pop_back();
			*ts_out = ts;
		}
		*pos = p + len;
	}
}

/* Closes and frees the reader on every way out, exceptions included. */
struct reader_owner {
	struct reader *r;
	~reader_owner()
	{
		if (r->fd >= 0)
			close(r->fd);
		delete r;
	}
};

} // namespace

enum pdg_code pdg_dcm_scan_file(const char *path, int max_depth, struct pdg_dcm_scan_info *info,
			       struct pdg_err *err)
{
	struct stat st;
	struct reader_owner owner = {new struct reader};
	struct reader *r = owner.r;
	struct scan s = {r, path, false, max_depth, 0, err, {0, 0}};
	enum pdg_code rc;
	uint8_t h[132];
	uint64_t pos = 0;
	bool implicit = false;

	if (info)
		*info = {0, 0};
	r->base = 0;
	r->len = 0;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", path);
	if (fstat(r->fd, &st) < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot stat '%s'", path);
	if (!S_ISREG(st.st_mode))
		return pdg_err_set(err, PDG_E_DICOM, "'%s': not a regular file", path);
	r->size = (uint64_t)st.st_size;
	if (get(r, 0, 132, h, &s.sys_err) && memcmp(h + 128, "DICM", 4) == 0)
		pos = 132;
	if (!get(r, pos, 8, h, &s.sys_err))
		return s.sys_err ? truncated(&s)
				 : pdg_err_set(err, PDG_E_DICOM, "'%s': not a DICOM file", path);
	if (pos == 132 || u16(h, false) == 0x0002) {
		std::string ts;
		if ((rc = scan_meta(&s, &pos, &ts)))
			return rc;
		if (ts == UID_DeflatedExplicitVRLittleEndianTransferSyntax)
			return PDG_OK; /* a deflated stream: DCMTK inflates and parses it */
		implicit = ts == UID_LittleEndianImplicitTransferSyntax;
		s.be = ts == UID_BigEndianExplicitTransferSyntax;
		if (ts.empty() && pos < r->size) {
			/* no transfer syntax in the meta header: DCMTK guesses, as for a bare dataset */
			if (!get(r, pos, 8, h, &s.sys_err))
				return truncated(&s);
			implicit = !is_vr(h + 4);
		}
	} else {
		/* a bare dataset: DCMTK detects its encoding from the first element */
		if (u16(h, false) == 0x0008)
			implicit = !is_vr(h + 4);
		else if (u16(h, true) == 0x0008 && is_vr(h + 4))
			s.be = true;
		else
			return pdg_err_set(err, PDG_E_DICOM, "'%s': not a DICOM file", path);
	}
	if ((rc = walk(&s, pos, implicit)))
		return rc;
	if (info)
		*info = s.info;
	return PDG_OK;
}
