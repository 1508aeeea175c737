/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach without libvirt: the argument checks (MAC and address forms), the
 * IPv6 reservation's checks (a table of bad cases), the DHCP host entries
 * of both families that libvirt's network XML holds and a redefinition
 * carries over, and the qemu hook's events that need neither libvirtd nor
 * the kernel.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <vnet/vnet.h>
#include "libvnet-private.h"
#include "attach.h"
#include "helpers.h"
#include "model.h"
#include "netxml.h"
#include "xml.h"

static void check_invalid(const char *domain, const char *mac, const char *ip, const char *needle)
{
	g_autoptr(GError) error = NULL;

	if (vnet_attach_check_args(domain, mac, ip, &error))
		fail_msg("accepted domain=%s mac=%s ip=%s", domain, mac ? mac : "-", ip ? ip : "-");
	assert_int_equal(error->code, VNET_ERROR_INVALID);
	if (!strstr(error->message, needle))
		fail_msg("error \"%s\" does not name \"%s\"", error->message, needle);
}

static void test_check_args_good(void **state)
{
	(void)state;
	assert_true(vnet_attach_check_args("web1", NULL, NULL, NULL));
	assert_true(vnet_attach_check_args("web1", "52:54:00:12:34:56", "10.0.0.5", NULL));
	assert_true(vnet_attach_check_args("a.b-c_d", "52:54:00:AB:cd:EF", NULL, NULL));
	assert_true(vnet_attach_check_args("web1", "02:00:00:00:00:01", NULL, NULL));
	/* IPv6: reserved where the network serves DHCPv6, else recorded as a static address */
	assert_true(vnet_attach_check_args("web1", NULL, "2001:db8::5", NULL));
}

static void test_check_args_bad(void **state)
{
	(void)state;
	check_invalid("dom;reboot", NULL, NULL, "dom;reboot");
	check_invalid("", NULL, NULL, "\"\"");
	check_invalid("dom", "52:54:00:12:34", NULL, "52:54:00:12:34");
	check_invalid("dom", "52:54:00:12:34:56:78", NULL, "52:54:00:12:34:56:78");
	check_invalid("dom", "52-54-00-12-34-56", NULL, "52-54-00-12-34-56");
	check_invalid("dom", "52:54:00:12:34:5g", NULL, "5g");
	check_invalid("dom", "52:54:00:12:345:6", NULL, "52:54:00:12:345:6");
	check_invalid("dom", "01:00:5e:00:00:01", NULL, "multicast");
	check_invalid("dom", "ff:ff:ff:ff:ff:ff", NULL, "multicast");
	check_invalid("dom", "00:00:00:00:00:00", NULL, "zeros");
	check_invalid("dom", NULL, "10.0.0.300", "10.0.0.300");
	check_invalid("dom", NULL, "10.0.0.5/24", "10.0.0.5/24");
	check_invalid("dom", NULL, "fd00::5/64", "fd00::5/64");
	check_invalid("dom", NULL, "fd00::5%eth0", "fd00::5%eth0");
	check_invalid("dom", NULL, "", "\"\"");
}

static const char new_xml[] =
	"<network><name>web</name><forward mode='open'/><bridge name='vn-web'/>"
	"<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.3' end='10.0.0.254'/></dhcp></ip>"
	"<ip family='ipv6' address='fd00::1' prefix='64'/></network>";

static void test_carry_hosts(void **state)
{
	static const char old_xml[] =
		"<network><name>web</name><bridge name='vn-web'/>"
		"<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.3' end='10.0.0.254'/>"
		"<host mac='52:54:00:00:00:01' name='dom' ip='10.0.0.2'/>"
		"<host mac='52:54:00:00:00:02' name='old' ip='10.9.0.2'/>"
		"<host mac='52:54:00:00:00:03' name='x&amp;y' ip='10.0.0.50'/>"
		"</dhcp></ip></network>";
	g_autofree char *out = vnet_netxml_carry_hosts(new_xml, old_xml);

	(void)state;
	assert_non_null(out);
	assert_non_null(strstr(out, "<host mac=\"52:54:00:00:00:01\" name=\"dom\" ip=\"10.0.0.2\"/>"));
	/* escaped as it came */
	assert_non_null(strstr(out, "name=\"x&amp;y\""));
	/* outside the new subnet: dropped */
	assert_null(strstr(out, "10.9.0.2"));
	/* inside the IPv4 <dhcp>, after the range */
	assert_true(strstr(out, "<range") < strstr(out, "<host"));
	assert_true(strstr(out, "<host") < strstr(out, "family=\"ipv6\""));
}

static void test_carry_hosts_nothing(void **state)
{
	static const char no_hosts[] =
		"<network><name>web</name><ip address='10.0.0.1' prefix='24'><dhcp>"
		"<range start='10.0.0.3' end='10.0.0.254'/></dhcp></ip></network>";
	static const char no_dhcp[] =
		"<network><name>web</name><ip address='10.0.0.1' prefix='24'/></network>";
	static const char with_host[] =
		"<network><name>web</name><ip address='10.0.0.1' prefix='24'><dhcp>"
		"<host mac='52:54:00:00:00:01' name='dom' ip='10.0.0.2'/></dhcp></ip></network>";

	(void)state;
	assert_null(vnet_netxml_carry_hosts(new_xml, no_hosts));
	/* the new network has no DHCP: there is nowhere to carry them */
	assert_null(vnet_netxml_carry_hosts(no_dhcp, with_host));
	assert_null(vnet_netxml_carry_hosts(new_xml, "not xml"));
	assert_null(vnet_netxml_carry_hosts("<domain/>", with_host));
	assert_null(vnet_netxml_carry_hosts(new_xml, NULL));
}

/*
 * The whole of both documents parsed, metadata and all: how the entries
 * were carried before the metadata was kept out of it, the reference.
 */
static char *carry_whole(const char *xml, const char *old_xml)
{
	xmlDoc *doc = xmlReadMemory(xml, strlen(xml), "n.xml", NULL, XML_PARSE_NONET);
	xmlDoc *old = xmlReadMemory(old_xml, strlen(old_xml), "o.xml", NULL, XML_PARSE_NONET);
	xmlNode *dhcp = NULL, *old_dhcp = NULL;
	xmlChar *mem = NULL;
	char *out;
	int len = 0;

	assert_non_null(doc);
	assert_non_null(old);
	for (xmlNode *n = xmlDocGetRootElement(doc)->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST "ip") && !dhcp)
			for (dhcp = n->children; dhcp && !xmlStrEqual(dhcp->name, BAD_CAST "dhcp"); dhcp = dhcp->next)
				;
	for (xmlNode *n = xmlDocGetRootElement(old)->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST "ip") && !old_dhcp)
			for (old_dhcp = n->children; old_dhcp && !xmlStrEqual(old_dhcp->name, BAD_CAST "dhcp");
			     old_dhcp = old_dhcp->next)
				;
	assert_non_null(dhcp);
	assert_non_null(old_dhcp);
	for (xmlNode *h = old_dhcp->children; h; h = h->next) {
		xmlChar *ip = h->type == XML_ELEMENT_NODE ? xmlGetProp(h, BAD_CAST "ip") : NULL;
		if (ip && g_str_has_prefix((const char *)ip, "10.0.0."))
			xmlAddChild(dhcp, xmlDocCopyNode(h, doc, 1));
		xmlFree(ip);
	}
	xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
	out = g_strndup((const char *)mem, len);
	xmlFree(mem);
	xmlFreeDoc(doc);
	xmlFreeDoc(old);
	return out;
}

/* A redefinition of a network with its intent in <metadata>: the same bytes as the whole parse. */
static void test_carry_hosts_with_metadata(void **state)
{
	static const char hosts[] =
		"<host mac='52:54:00:00:00:01' name='dom' ip='10.0.0.2'/>"
		"<host mac='52:54:00:00:00:02' name='old' ip='10.9.0.2'/>"
		"<host mac='52:54:00:00:00:03' name='x&amp;y' ip='10.0.0.50'><lease expiry='1'/></host></dhcp>";
	g_autoptr(vnet_intent) in = vnet_intent_new("web", VNET_MODE_NAT, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *xml = NULL, *prev = NULL, *old_xml = NULL, *got = NULL, *want = NULL;
	g_auto(GStrv) halves = NULL;

	(void)state;
	assert_true(vnet_intent_set_bridge(in, "vn-web", &error));
	assert_true(vnet_intent_set_subnet(in, "10.0.0.0/24", &error));
	assert_true(vnet_intent_set_gateway(in, "10.0.0.1", &error));
	assert_true(vnet_intent_set_dhcp_range(in, "10.0.0.3", "10.0.0.254", &error));
	for (guint p = 1000; p < 1400; p++) {
		g_autofree char *spec = g_strdup_printf("%u:80", p);
		assert_true(vnet_intent_add_forward(in, spec, &error));
	}
	prev = vnet_intent_network_xml(in, 0, &error);
	assert_non_null(prev);
	/* The new definition: one forward more, and a value libxml2 escapes in its metadata. */
	assert_true(vnet_intent_add_forward(in, "2000:80", &error));
	g_free(in->uplink);
	in->uplink = g_strdup("e&<\t\xc3\xa9");
	xml = vnet_intent_network_xml(in, 0, &error);
	halves = g_strsplit(prev, "</dhcp>", 2);
	assert_int_equal(g_strv_length(halves), 2);
	old_xml = g_strconcat(halves[0], hosts, halves[1], NULL);

	got = vnet_netxml_carry_hosts(xml, old_xml);
	want = carry_whole(xml, old_xml);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_non_null(strstr(got, "name=\"x&amp;y\""));
	assert_null(strstr(got, "10.9.0.2"));
	assert_non_null(strstr(got, "      2000:80/tcp\n"));
}

/* A redefinition carries the IPv6 <ip>'s entries (name and ip, no MAC) into its IPv6 <dhcp>. */
static void test_carry_hosts6(void **state)
{
	static const char new6[] =
		"<network><name>web</name><bridge name='vn-web'/>"
		"<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.3' end='10.0.0.254'/></dhcp></ip>"
		"<ip family='ipv6' address='fd00::1' prefix='64'><dhcp><range start='fd00::3' end='fd00::ffff'/>"
		"</dhcp></ip></network>";
	static const char old6[] =
		"<network><name>web</name><bridge name='vn-web'/>"
		"<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.3' end='10.0.0.254'/>"
		"<host mac='52:54:00:00:00:01' name='dom' ip='10.0.0.2'/></dhcp></ip>"
		"<ip family='ipv6' address='fd00::1' prefix='64'><dhcp><range start='fd00::3' end='fd00::ffff'/>"
		"<host name='dom' ip='fd00::2'/><host name='gone' ip='fd99::2'/></dhcp></ip></network>";
	g_autofree char *out = vnet_netxml_carry_hosts(new6, old6);
	g_autofree char *none = vnet_netxml_carry_hosts(new_xml, old6);
	g_autoptr(GPtrArray) h4 = NULL, h6 = NULL;
	const char *v6;

	(void)state;
	assert_non_null(out);
	v6 = strstr(out, "family=\"ipv6\"");
	assert_non_null(v6);
	/* each in the <ip> of its family */
	assert_true(strstr(out, "ip=\"10.0.0.2\"") < v6);
	assert_true(strstr(out, "<host name=\"dom\" ip=\"fd00::2\"/>") > v6);
	/* outside the new subnet6: dropped */
	assert_null(strstr(out, "fd99::2"));
	h4 = vnet_netxml_hosts(out);
	h6 = vnet_netxml_hosts6(out);
	assert_int_equal(h4->len, 1);
	assert_int_equal(h6->len, 1);
	assert_null(((vnet_dhcp_host *)h6->pdata[0])->mac);
	assert_string_equal(((vnet_dhcp_host *)h6->pdata[0])->name, "dom");
	assert_string_equal(((vnet_dhcp_host *)h6->pdata[0])->ip, "fd00::2");
	/* a new definition whose IPv6 <ip> has no <dhcp>: the IPv4 entry alone */
	assert_non_null(none);
	assert_null(strstr(none, "fd00::2"));
	assert_non_null(strstr(none, "10.0.0.2"));
}

/* What attach and the steps read of the IPv6 <ip>: its entries, its index, its range. */
static void test_ip6_facts(void **state)
{
	static const char v4_first[] =
		"<network><name>web</name><ip address='10.0.0.1' prefix='24'/>"
		"<ip family='ipv6' address='fd00::1' prefix='64'><dhcp><range start='fd00::3' end='fd00::ffff'/>"
		"</dhcp></ip></network>";
	static const char v6_first[] =
		"<network><name>web</name><ip family='ipv6' address='fd00::1' prefix='64'/>"
		"<ip family='ipv4' address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.3' end='10.0.0.9'/>"
		"</dhcp></ip></network>";
	g_autofree char *r6 = vnet_netxml_dhcp6_range(v4_first), *r4 = vnet_netxml_dhcp_range(v6_first);
	g_autofree char *none6 = vnet_netxml_dhcp6_range(v6_first), *none4 = vnet_netxml_dhcp_range(v4_first);
	g_autoptr(GPtrArray) empty = vnet_netxml_hosts6(v4_first);

	(void)state;
	assert_int_equal(vnet_netxml_ip_index(v4_first, AF_INET), 0);
	assert_int_equal(vnet_netxml_ip_index(v4_first, AF_INET6), 1);
	assert_int_equal(vnet_netxml_ip_index(v6_first, AF_INET6), 0);
	assert_int_equal(vnet_netxml_ip_index(v6_first, AF_INET), 1);
	assert_int_equal(vnet_netxml_ip_index(new_xml + 0, AF_INET6), 1);
	assert_int_equal(vnet_netxml_ip_index("<network><name>x</name></network>", AF_INET6), -1);
	assert_int_equal(vnet_netxml_ip_index("not xml", AF_INET6), -1);
	assert_string_equal(r6, "<range start='fd00::3' end='fd00::ffff'/>");
	assert_string_equal(r4, "<range start='10.0.0.3' end='10.0.0.9'/>");
	/* no range of that family: no DHCP of it */
	assert_null(none6);
	assert_null(none4);
	assert_int_equal(empty->len, 0);
	assert_null(vnet_netxml_hosts6("<domain/>"));
}

/* web: 10.0.0.0/24 and fd00::/64, vm1 holding fd00::2 by name, fd00::9 recorded as a static address. */
static vnet_intent *web6(void)
{
	g_autoptr(vnet_host) host = vnet_host_new();
	vnet_intent *in = vnet_intent_new("web", VNET_MODE_NAT, NULL);
	vnet_addr a;

	assert_ok(vnet_intent_set_subnet(in, "10.0.0.0/24", &err_));
	assert_ok(vnet_intent_set_subnet(in, "fd00::/64", &err_));
	assert_ok(vnet_intent_complete(in, host, &err_));
	assert_true(vnet_addr_parse("fd00::9", &a, NULL));
	g_ptr_array_add(in->statics, vnet_static_addr_new("52:54:00:00:00:09", "vm9", &a));
	return in;
}

static GPtrArray *hosts6_of_web(void)
{
	static const char xml[] =
		"<network><name>web</name><ip address='10.0.0.1' prefix='24'/>"
		"<ip family='ipv6' address='fd00::1' prefix='64'><dhcp><range start='fd00::3' end='fd00::ffff'/>"
		"<host name='vm1' ip='fd00::2'/></dhcp></ip></network>";

	return vnet_netxml_hosts6(xml);
}

static void test_reservation6_good(void **state)
{
	g_autoptr(vnet_intent) in = web6();
	g_autoptr(GPtrArray) hosts6 = hosts6_of_web();

	(void)state;
	assert_ok(vnet_attach_check_reservation6(in, hosts6, "fd00::5", "52:54:00:00:00:02", "vm2", &err_));
	assert_ok(vnet_attach_check_reservation6(in, hosts6, "fd00::ffff:1", "52:54:00:00:00:02", "2nd", &err_));
	/* the last address of subnet6: IPv6 has no broadcast */
	assert_ok(vnet_attach_check_reservation6(in, hosts6, "fd00::ffff:ffff:ffff:ffff", "52:54:00:00:00:02",
						 "vm2", &err_));
}

static void test_reservation6_bad(void **state)
{
	static const struct {
		const char *addr, *domain;
		int code;
		const char *needle;
	} bad[] = {
		{ "fd01::5", "vm2", VNET_ERROR_INVALID, "fd00::/64" },		/* outside subnet6 */
		{ "2001:db8::5", "vm2", VNET_ERROR_INVALID, "not a host address" },
		{ "fd00::", "vm2", VNET_ERROR_INVALID, "not a host address" },	/* its network address */
		{ "fd00::1", "vm2", VNET_ERROR_CONFLICT, "gateway" },
		{ "fd00::2", "vm2", VNET_ERROR_CONFLICT, "vm1" },		/* reserved already */
		{ "fd00:0:0:0::2", "vm2", VNET_ERROR_CONFLICT, "reserved already" },	/* in another spelling */
		{ "fd00::9", "vm2", VNET_ERROR_CONFLICT, "vm9" },		/* a recorded static address */
		{ "fd00::5", "vm1", VNET_ERROR_CONFLICT, "vnetctl detach web vm1" },	/* vm1 holds one already */
		{ "fd00::5", "_vm", VNET_ERROR_INVALID, "letter or a digit" },	/* libvirt refuses the name */
		{ "10.0.0.5", "vm2", VNET_ERROR_INVALID, "not an IPv6 address" },
		{ "fd00::5/64", "vm2", VNET_ERROR_INVALID, "fd00::5/64" },
		{ "fd00::g", "vm2", VNET_ERROR_INVALID, "fd00::g" },
		{ "", "vm2", VNET_ERROR_INVALID, "\"\"" },
	};
	g_autoptr(vnet_intent) in = web6();
	g_autoptr(vnet_intent) v4only = vnet_intent_new("old", VNET_MODE_NAT, NULL);
	g_autoptr(GPtrArray) hosts6 = hosts6_of_web();

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		if (vnet_attach_check_reservation6(in, hosts6, bad[i].addr, "52:54:00:00:00:02", bad[i].domain,
						   &error))
			fail_msg("case %zu: %s for %s accepted", i, bad[i].addr, bad[i].domain);
		check_error(error, bad[i].code, (const char *const[]){ bad[i].needle, NULL });
	}
	{
		/* a network without subnet6 */
		g_autoptr(GError) error = NULL;
		assert_ok(vnet_intent_set_subnet(v4only, "10.1.0.0/24", &err_));
		assert_false(vnet_attach_check_reservation6(v4only, hosts6, "fd00::5", "52:54:00:00:00:02", "vm2",
							    &error));
		assert_error(error, VNET_ERROR_INVALID, "no IPv6 subnet");
	}
	{
		/* the MAC has an IPv6 static address recorded already */
		g_autoptr(GError) error = NULL;
		assert_false(vnet_attach_check_reservation6(in, hosts6, "fd00::5", "52:54:00:00:00:09", "vm2", &error));
		assert_error(error, VNET_ERROR_CONFLICT, "52:54:00:00:00:09");
	}
}

static void test_qemu_hook_other_events(void **state)
{
	static const char dom[] =
		"<domain type='qemu'><name>dom</name><devices><interface type='network'>"
		"<mac address='52:54:00:00:00:01'/><source network='web' bridge='vn-web'/>"
		"<target dev='vnet0'/></interface></devices></domain>";
	static const char no_bridge[] =
		"<domain type='qemu'><name>dom</name><devices><interface type='user'>"
		"<mac address='52:54:00:00:00:01'/></interface></devices></domain>";
	g_autoptr(GError) error = NULL, stop_error = NULL;
	g_autofree char *run = g_dir_make_tmp("vnet-run-XXXXXX", NULL);

	(void)state;
	/* The hook's records go here, never into the host's /run. */
	g_setenv("VNET_RUN_DIR", run, TRUE);
	/* Only "started" and "stopped" do anything: the others cost nothing, whatever the XML. */
	assert_true(vnet_qemu_hook_run("dom", "prepare", "begin", dom, NULL));
	assert_true(vnet_qemu_hook_run("dom", "release", "end", NULL, NULL));
	/* A stop whose XML cannot be read is reported (the script logs it and exits 0). */
	assert_false(vnet_qemu_hook_run("dom", "stopped", "end", "garbage", &stop_error));
	assert_int_equal(stop_error->code, VNET_ERROR_INVALID);
	/* started with no NIC on a bridge reads nothing else */
	assert_true(vnet_qemu_hook_run("dom", "started", "begin", no_bridge, NULL));
	assert_false(vnet_qemu_hook_run("dom", "started", "begin", "<network/>", &error));
	assert_int_equal(error->code, VNET_ERROR_INVALID);
	g_rmdir(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_args_good),
		cmocka_unit_test(test_check_args_bad),
		cmocka_unit_test(test_carry_hosts),
		cmocka_unit_test(test_carry_hosts_nothing),
		cmocka_unit_test(test_carry_hosts_with_metadata),
		cmocka_unit_test(test_carry_hosts6),
		cmocka_unit_test(test_ip6_facts),
		cmocka_unit_test(test_reservation6_good),
		cmocka_unit_test(test_reservation6_bad),
		cmocka_unit_test(test_qemu_hook_other_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
