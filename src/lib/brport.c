/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder: bridge port knobs are being written (issue 4). */
#include "config.h"

#include "brport.h"
