/* SPDX-License-Identifier: MIT */
/* Reading a passphrase for a command: from a file, or from the terminal with echo off. */
#ifndef PDG_CMD_PASSPHRASE_H
#define PDG_CMD_PASSPHRASE_H

#include <stddef.h>

#define PDG_PASSPHRASE_MAX 1024 /* bytes, with the NUL */

/*
 * Read a passphrase into buf (cap bytes, NUL-terminated): the first line of file when file is
 * not NULL ("-" is not accepted: stdin may carry data), else from /dev/tty with echo off after
 * printing prompt there, asking twice when confirm is set. A trailing "\n" or "\r\n" is
 * removed; an empty passphrase is refused. Returns 0, or the exit status to use (1 failure,
 * 2 usage: no terminal and no file) after logging why. The caller wipes buf.
 */
int pdg_cmd_passphrase(const char *file, const char *prompt, int confirm, char *buf, size_t cap);

#endif
