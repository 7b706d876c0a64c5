/* SPDX-License-Identifier: MIT */
/* pdigate version: print the software version. */
#include <stdio.h>

#include "appliance/cmd/cmds.h"
#include "lib/version.h"

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("pdigate %s\n", PDG_VERSION);
	return 0;
}
