/* SPDX-License-Identifier: MIT */
/* README.TXT at the root of an export medium: what the stick is, in Japanese and English. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "appliance/export/export.h"

/* Static text: no site, no patient, nothing that identifies anyone. */
static const char readme_text[] =
	"このUSBメモリには pdigate が作成した暗号化済みの画像パッケージが入っています。\r\n"
	"PDIGATE フォルダの *.001 などのファイルは暗号文で、研究データセンターの鍵と、\r\n"
	"別便で送られる紙のトークンシートの両方がなければ開けません。\r\n"
	"ファイルの名前を変えたり、削除したり、編集したりしないでください。\r\n"
	"アップロード端末 (pdigate-upload) にそのまま差し込んでください。\r\n"
	"\r\n"
	"This USB stick holds encrypted imaging packages made by pdigate.\r\n"
	"The files in the PDIGATE folder (*.001 ...) are ciphertext: they can be opened only\r\n"
	"with the research data center's key together with the paper token sheet, which\r\n"
	"travels separately. Do not rename, delete or edit the files.\r\n"
	"Plug the stick into the upload station (pdigate-upload) as it is.\r\n"
	"\r\n"
	"PDIGATE/<package>.MAN  manifest (what the package holds, counts only; no patient data)\r\n"
	"PDIGATE/<package>.SIG  the appliance's signature of the manifest\r\n"
	"PDIGATE/<package>.001  encrypted data (further segments .002, .003 ...)\r\n";

enum pdg_code pdg_export_write_readme(const char *medium, struct pdg_err *err)
{
	char tmp[4200], path[4200];
	size_t len = sizeof(readme_text) - 1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/" PDG_MEDIUM_README, medium);
	snprintf(tmp, sizeof(tmp), "%s/.%s" ".part", medium, PDG_MEDIUM_README);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot write " PDG_MEDIUM_README " on the medium");
	n = write(fd, readme_text, len);
	if (n != (ssize_t)len || fsync(fd)) {
		enum pdg_code rc = errno == ENOSPC || n >= 0
			? pdg_err_set(err, PDG_E_IO, "the medium is full (writing " PDG_MEDIUM_README ")")
			: pdg_err_sys(err, PDG_E_IO, "cannot write " PDG_MEDIUM_README " on the medium");
		close(fd);
		unlink(tmp);
		return rc;
	}
	close(fd);
	if (rename(tmp, path)) {
		unlink(tmp);
		return pdg_err_sys(err, PDG_E_IO, "cannot write " PDG_MEDIUM_README " on the medium");
	}
	return PDG_OK;
}
