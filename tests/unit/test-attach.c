/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach without libvirt: the argument checks (MAC and address forms), the
 * DHCP host entries a redefinition carries over, and the qemu hook's events
 * that need neither libvirtd nor the kernel.
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
	/* IPv6: recorded as a static address, never reserved */
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
	assert_non_null(strstr(got, "<vnet:forward>2000:80/tcp</vnet:forward>"));
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
		cmocka_unit_test(test_qemu_hook_other_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
