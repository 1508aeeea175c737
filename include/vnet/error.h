/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvnet errors: every failure is a GError in the VNET_ERROR domain whose
 * message is one whole, translated sentence that names what is wrong and
 * what to do about it.  The library never prints.
 */
#ifndef VNET_ERROR_H
#define VNET_ERROR_H

#include <glib.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum vnet_error_code - what kind of failure a VNET_ERROR is
 * @VNET_ERROR_INVALID: the input is malformed (a bad CIDR, name or spec)
 * @VNET_ERROR_CONFLICT: the input is valid but clashes with something that exists
 * @VNET_ERROR_NOT_FOUND: a named network, domain or interface does not exist
 * @VNET_ERROR_FAILED: a system call or service failed; any change was rolled back
 */
typedef enum vnet_error_code {
	VNET_ERROR_INVALID,
	VNET_ERROR_CONFLICT,
	VNET_ERROR_NOT_FOUND,
	VNET_ERROR_FAILED,
} vnet_error_code;

/**
 * vnet_error_quark() - the GError domain of libvnet
 *
 * Return: the quark behind VNET_ERROR.
 */
GQuark vnet_error_quark(void);
#define VNET_ERROR (vnet_error_quark())

#ifdef __cplusplus
}
#endif
#endif
