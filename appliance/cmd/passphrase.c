/* SPDX-License-Identifier: MIT */
/* Reading a passphrase for a command: from a file, or from the terminal with echo off. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "appliance/cmd/passphrase.h"
#include "lib/log.h"

static size_t chomp(char *buf, size_t len)
{
	char *nl = memchr(buf, '\n', len);

	if (nl)
		len = (size_t)(nl - buf);
	if (len && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return len;
}

static int from_file(const char *file, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t r;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		pdg_log(PDG_LOG_ERR, "cannot open passphrase file '%s': %s", file, strerror(errno));
		return 1;
	}
	while (got < cap - 1) {
		r = read(fd, buf + got, cap - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			pdg_log(PDG_LOG_ERR, "cannot read '%s': %s", file, strerror(errno));
			close(fd);
			OPENSSL_cleanse(buf, cap);
			return 1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (memchr(buf, '\n', got))
			break;
	}
	close(fd);
	if (!chomp(buf, got)) {
		pdg_log(PDG_LOG_ERR, "passphrase file '%s' is empty", file);
		return 1;
	}
	return 0;
}

static int tty_fd = -1;
static struct termios tty_saved;

/* Restore echo if a signal ends us while the passphrase is being typed. */
static void restore_and_reraise(int sig)
{
	if (tty_fd >= 0)
		(void)tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int ask(int fd, const char *prompt, char *buf, size_t cap)
{
	struct termios quiet;
	struct sigaction sa = { .sa_handler = restore_and_reraise }, old[3];
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	size_t got = 0;
	ssize_t r = 0;
	char c;

	if (tcgetattr(fd, &tty_saved) < 0)
		return -1;
	quiet = tty_saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	tty_fd = fd;
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) < 0)
		r = -1;
	while (r >= 0 && got < cap - 1) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0 || c == '\n')
			break;
		buf[got++] = c;
	}
	c = 0;
	buf[got] = '\0';
	(void)tcsetattr(fd, TCSAFLUSH, &tty_saved);
	tty_fd = -1;
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	(void)!write(fd, "\n", 1);
	return r < 0 ? -1 : (int)chomp(buf, got);
}

int pdg_cmd_passphrase(const char *file, const char *prompt, int confirm, char *buf, size_t cap)
{
	char again[PDG_PASSPHRASE_MAX];
	int fd, n, rc = 0;

	if (file)
		return from_file(file, buf, cap);
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		pdg_log(PDG_LOG_ERR, "no terminal to read the passphrase from; use --passphrase-file "
				     "(or --admin-passphrase-file)");
		return 2;
	}
	n = ask(fd, prompt, buf, cap);
	if (n <= 0) {
		pdg_log(PDG_LOG_ERR, n < 0 ? "cannot read the passphrase from the terminal"
					   : "empty passphrase");
		rc = 1;
	} else if (confirm) {
		if (ask(fd, "Repeat the passphrase: ", again, sizeof(again)) < 0 ||
		    strcmp(again, buf)) {
			pdg_log(PDG_LOG_ERR, "the two passphrases differ");
			rc = 1;
		}
		OPENSSL_cleanse(again, sizeof(again));
	}
	close(fd);
	if (rc)
		OPENSSL_cleanse(buf, cap);
	return rc;
}
