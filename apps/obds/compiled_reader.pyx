# cython: language_level=3, boundscheck=False, wraparound=False
"""schema_model's reading of an element into data, compiled: it walks libxml2's nodes under an lxml element
directly (lxml's public C API), where the Python reading makes an lxml proxy object for every element it meets.

It runs for every element of every uploaded package and gives exactly what ``schema_model._read`` gives (a test
compares both on every sample package); where it could not be built (no C compiler), schema_model reads in Python.
It only reads the nodes, and only while the calling code holds the element, so libxml2's tree cannot change under it.

A ``table`` is a Reader made plain: ``[has text, {local name: (data name, table or None for a text-only child,
repeated)}]``; ``namespace`` is the namespace every child must be in (b"" for none).
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport strcmp, strlen
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, import_lxml__etree

import_lxml__etree()


def read(_Element element, list table, bytes namespace):
    return _read(element._c_node, table, namespace)


cdef dict _read(tree.xmlNode* node, list table, const char* namespace):
    cdef dict data = {}
    cdef dict children = <dict>table[1]
    cdef tree.xmlAttr* attribute = node.properties
    cdef tree.xmlNode* child
    cdef tuple found
    cdef str name
    cdef object below, value, earlier
    while attribute is not NULL:
        if attribute.ns is NULL:  # a namespaced attribute (xsi:…) is not data
            data["@" + _str(attribute.name)] = _joined(attribute.children)
        attribute = attribute.next
    if table[0]:
        data["#text"] = _text(node)
    child = node.children
    while child is not NULL:
        if child.type == tree.XML_ELEMENT_NODE:  # comments and processing instructions are not data
            name = _str(child.name)
            if not _in(child, namespace):
                raise KeyError(name)
            found = children.get(name)
            if found is None:
                raise KeyError(name)
            below = found[1]
            value = _text(child) if below is None else _read(child, <list>below, namespace)
            name = found[0]
            if not found[2]:
                data[name] = value
            else:
                earlier = data.get(name)
                if earlier is None:
                    data[name] = [value]
                else:
                    (<list>earlier).append(value)
        child = child.next
    return data


cdef inline bint _in(tree.xmlNode* node, const char* namespace):
    if node.ns is NULL or node.ns.href is NULL:
        return namespace[0] == 0
    return strcmp(<const char*>node.ns.href, namespace) == 0


cdef str _text(tree.xmlNode* node):
    """lxml's ``.text`` or "": the text and CDATA nodes before the element's first other child."""
    cdef tree.xmlNode* child = node.children
    cdef str found = ""
    while child is not NULL:
        if child.type == tree.XML_TEXT_NODE or child.type == tree.XML_CDATA_SECTION_NODE:
            if child.content is not NULL:
                found += _str(child.content)
        elif child.type != tree.XML_XINCLUDE_START and child.type != tree.XML_XINCLUDE_END:
            break
        child = child.next
    return found


cdef str _joined(tree.xmlNode* child):
    """An attribute's value: its text nodes joined."""
    cdef str found = ""
    while child is not NULL:
        if child.content is not NULL:
            found += _str(child.content)
        child = child.next
    return found


cdef inline str _str(tree.const_xmlChar* text):
    return PyUnicode_DecodeUTF8(<const char*>text, strlen(<const char*>text), NULL)
