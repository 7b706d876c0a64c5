/* SPDX-License-Identifier: MIT */
/* The file-system helpers moved to lib/fsutil.h (the center uses them too); kept for includes. */
#ifndef PDG_HOME_FSUTIL_H
#define PDG_HOME_FSUTIL_H

#include "lib/fsutil.h"

#endif
