/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guests: who is on a network and where its forwards point.  A guest is a
 * MAC on the network: its domain (from libvirt, or from the record the qemu
 * hook keeps of a started domain's NICs), its DHCP reservation, its current
 * lease (libvirt's dnsmasq status file, which changes on every lease event).
 * A forward's target is, in order: its explicit address; for a domain
 * name, that domain's reservation, else its lease; for the default guest,
 * the guest that holds the intent's default guest address by reservation,
 * else the only guest on the network.  None of it asks libvirtd, so the
 * hooks resolve exactly as the commands do.
 */
#ifndef VNET_GUESTS_H
#define VNET_GUESTS_H

#include <vnet/ctx.h>

#include "model.h"

typedef enum vnet_guest_how {
	VNET_GUEST_RESERVED,	/* a DHCP host entry holds its address */
	VNET_GUEST_LEASED,	/* its current DHCP lease */
	VNET_GUEST_NO_ADDRESS,	/* seen (a running NIC), no address yet */
} vnet_guest_how;

typedef struct vnet_guest {
	char *mac;		/* lower case */
	char *domain;		/* or NULL: unknown */
	char *addr;		/* IPv4, canonical, or NULL */
	char *addr6;		/* IPv6 reserved to its domain's name (DHCPv6), canonical, or NULL */
	vnet_guest_how how;
	gint64 expiry;		/* a lease's, unix time; 0 otherwise */
} vnet_guest;

void vnet_guest_free(vnet_guest *g);

/*
 * The guests of the network whose live definition is @net_xml: its DHCP
 * host entries, the leases in libvirt's status file of @bridge, and @nics
 * (MAC -> domain, "!domain" for one that is not running; NULL: the qemu
 * hook's records instead).
 */
GPtrArray *vnet_guests_read(const char *bridge, const char *net_xml, GHashTable *nics);

/* The same from a network's DHCP host entries (vnet_dhcp_host *, IPv4 and IPv6; either may be NULL). */
GPtrArray *vnet_guests_read_hosts(const char *bridge, GPtrArray *hosts, GPtrArray *hosts6, GHashTable *nics);

/*
 * The DHCP host entries of running network @network as libvirt handed them
 * to its dnsmasq, in @ret_hosts (IPv4) and @ret_hosts6: the hostsfile in
 * libvirt's dnsmasq directory ($VNET_DNSMASQ_DIR), "MAC,IP[,NAME]",
 * "NAME,IP", "NAME,[IP6]", "id:DUID,[IP6]" a line.  libvirt writes it from
 * the live definition whenever it starts the network or changes its hosts,
 * so it says what the live XML's <host>s say, without libvirtd formatting
 * that whole definition (its metadata holds every forward: 1.2 MB at
 * 65,535).  False if the file is missing or has a line of another form:
 * then the caller reads the live XML.
 */
bool vnet_guests_read_hostsfile(const char *network, GPtrArray **ret_hosts, GPtrArray **ret_hosts6);

/* Add the leases of a status file's text to @guests (what vnet_guests_read() does with the file). */
void vnet_guests_parse_leases(GPtrArray *guests, const char *json, size_t len);

/*
 * What the forwards of @in point to now: domain name -> address, and the
 * key "" for the default guest (value "" when it points nowhere).  This is
 * the map vnet_nft_prepare() takes.
 */
GHashTable *vnet_guests_targets(const vnet_intent *in, GPtrArray *guests);

/*
 * The guard's facts ride in the same map, under keys no domain name can
 * have (a name has neither "/" nor ":"), so that every path that hands the
 * forwards' targets to the NFT step (commands, hooks, attach, restore)
 * hands over the bindings too:
 *   "mac/MAC"   -> the IPv4 address the network's DHCP host entry reserves to MAC,
 *                  else the one its current lease gives MAC;
 *   "mac6/MAC"  -> the IPv6 address reserved to the domain of MAC (DHCPv6, by name);
 *   "port/PORT" -> the bridge PORT is a guest's port of, now (from sysfs).
 * vnet_guests_targets() adds them; vnet_guests_add_guard() adds them to
 * another such map.  Nothing is added for a bridge whose guard is off.
 */
#define VNET_GUESTS_MAC_KEY "mac/"
#define VNET_GUESTS_MAC6_KEY "mac6/"
#define VNET_GUESTS_PORT_KEY "port/"
void vnet_guests_add_guard(GHashTable *targets, const vnet_intent *in, GPtrArray *guests);

typedef enum vnet_default_how {
	VNET_DEFAULT_RESERVED,	/* the guest holding the default guest address by reservation */
	VNET_DEFAULT_ONLY,	/* the only guest on the network */
	VNET_DEFAULT_ADDRESS,	/* no guest seen yet: the default guest address itself */
	VNET_DEFAULT_NOWHERE,	/* several guests, none reserved: ambiguous */
} vnet_default_how;

/* Where forwards without a guest address point, and why; NULL for nowhere. */
const char *vnet_guests_default(const vnet_intent *in, GPtrArray *guests, vnet_default_how *ret_how,
				guint *ret_candidates);

/*
 * The qemu hook's records of the NICs of running domains (MAC -> domain),
 * so that the network hook, which may not ask libvirtd, knows the names.
 */
void vnet_guests_record(const char *mac, const char *domain, bool running);
/* MAC -> domain of the recorded running NICs; NULL when no records are kept. */
GHashTable *vnet_guests_records(void);

/* Where each forward of @in points now (vnet_target *, as <vnet/ctx.h> reads them). */
GPtrArray *vnet_guests_forward_targets(const vnet_intent *in, GPtrArray *guests);
/* Where forward @f would point on @in now. */
vnet_target *vnet_guests_forward_target(const vnet_intent *in, GPtrArray *guests, const vnet_forward *f);


/* libvirt's dnsmasq status file of @bridge ($VNET_DNSMASQ_DIR for tests). */
char *vnet_guests_status_path(const char *bridge);

#endif
