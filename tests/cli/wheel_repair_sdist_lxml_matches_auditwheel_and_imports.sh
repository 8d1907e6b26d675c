#!/usr/bin/env bash
# Pins down: lxml built here from its sdist against Debian's shared libxml2/libxslt (STATIC_DEPS off) and repaired
# by ferry gives auditwheel 6.8.2's file name, WHEEL tags and grafted files; both repaired wheels install into
# fresh venvs and parse XML and run an XSLT transform with the system libxml2/libxslt (and the rest of what was
# grafted) hidden, where the unrepaired wheel cannot import. Oracles: auditwheel repair, the import itself.
# The first run compiles lxml (minutes); the wheel is cached under the build directory.
# timeout: 2400
# disk: 300  (its scratch peaked at 181 MB)
source "$(dirname "$0")/../common.sh"
source "$SRC/tests/lib/sdist.sh"
[ -x /usr/bin/xslt-config ] || skip "libxslt1-dev is not installed"
[ -x /usr/bin/xml2-config ] || skip "libxml2-dev is not installed"
export STATIC_DEPS=false  # lxml links the shared system libxml2/libxslt
MUST_GRAFT="libxml2 libxslt libexslt"
sdist_repair_case lxml lxml.etree '
from lxml import etree
doc = etree.fromstring(b"<r><i n=\"2\">b</i><i n=\"1\">a</i></r>")
assert [e.text for e in doc.iter("i")] == ["b", "a"]
xslt = etree.XSLT(etree.XML(b"""<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">
  <xsl:template match=\"/\"><out><xsl:for-each select=\"r/i\"><xsl:sort select=\"@n\"/>
    <x><xsl:value-of select=\".\"/></x></xsl:for-each></out></xsl:template></xsl:stylesheet>"""))
got = etree.tostring(xslt(doc))
assert got == b"<out><x>a</x><x>b</x></out>", got
print("ok libxml2", etree.LIBXML_VERSION, "libxslt", etree.LIBXSLT_VERSION, "xslt:", got.decode())
'
