/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder: the nftables backend is being written (issue 4). */
#include "config.h"

#include "nft.h"
