# cython: language_level=3, boundscheck=False, wraparound=False
"""schema_model's reading of an element into data, and repertoire's check of that data (``passes``), compiled.

The reading walks libxml2's nodes under an lxml element directly (lxml's public C API), where the Python reading
makes an lxml proxy object for every element it meets.

It runs for every element of every uploaded package and gives exactly what ``schema_model._read`` gives (a test
compares both on every sample package); where it could not be built (no C compiler), schema_model reads in Python.
It only reads the nodes, and only while the calling code holds the element, so libxml2's tree cannot change under it.

A ``table`` is a Reader made plain: ``[has text, {local name: (data name, table or None for a text-only child,
repeated)}, None]``; ``namespace`` is the namespace every child must be in (b"" for none). The third item is this
module's: ``_Names`` for the table, made at its first read.
"""

from cpython.ref cimport PyObject
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdint cimport uintptr_t
from libc.string cimport strcmp, strlen
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, import_lxml__etree

import_lxml__etree()


DEF SLOTS = 64  # a power of two, above the most children (or attribute names) one table has


cdef struct _Slot:
    const char* name  # libxml2's string; NULL for a free slot
    const char* copy  # of its text, and the value: borrowed, ``_Names.kept`` holds them
    PyObject* value


cdef class _Names:
    """Values by element or attribute name, found by the address of libxml2's name string before its text.

    libxml2 keeps one copy of each name in its dictionary, so a name met again comes at the same address; it is
    then looked up without decoding it and hashing the decoded string. Reading 60 patients of the 10 MB benchmark
    package twice took 118 million instructions before, 65 million with it (callgrind, 2026-12-02). The address
    alone could come back with another name (a dictionary freed and its memory reused), so a hit also compares
    the text, against a copy kept here."""

    cdef _Slot slots[SLOTS]
    cdef list kept  # (copy of the name, value) of every slot, which keeps both alive

    def __cinit__(self):
        self.kept = [None] * SLOTS

    cdef object get(self, const char* name):
        cdef uintptr_t at = (<uintptr_t>name >> 3) & (SLOTS - 1)
        cdef int tries
        for tries in range(SLOTS):
            if self.slots[at].name is NULL:
                return None
            if self.slots[at].name == name and strcmp(self.slots[at].copy, name) == 0:
                return <object>self.slots[at].value
            at = (at + 1) & (SLOTS - 1)
        return None

    cdef void put(self, const char* name, object value):
        """Keep ``value`` for ``name`` in its slot; a full table keeps nothing more (lookups then decode)."""
        cdef uintptr_t at = (<uintptr_t>name >> 3) & (SLOTS - 1)
        cdef int tries
        cdef bytes copy
        for tries in range(SLOTS):
            if self.slots[at].name is NULL or self.slots[at].name == name:
                copy = name
                self.kept[at] = (copy, value)
                self.slots[at].name = name
                self.slots[at].copy = copy
                self.slots[at].value = <PyObject*>value
                return
            at = (at + 1) & (SLOTS - 1)


cdef _Names _attribute_keys = _Names()  # "@" + name, by name


def read(_Element element, list table, bytes namespace):
    return _read(element._c_node, table, namespace)


cdef inline tuple _child(list table, const char* name):
    """What ``table`` says of the child ``name``; None for a child it does not allow."""
    cdef _Names names = <_Names>table[2] if table[2] is not None else None
    cdef object found
    if names is None:
        names = _Names()
        table[2] = names
    found = names.get(name)
    if found is None:
        found = (<dict>table[1]).get(_str(<tree.const_xmlChar*>name))
        if found is not None:
            names.put(name, found)
    return <tuple>found


cdef inline str _attribute_key(const char* name):
    cdef object key = _attribute_keys.get(name)
    if key is None:
        key = "@" + _str(<tree.const_xmlChar*>name)
        _attribute_keys.put(name, key)
    return <str>key


cdef dict _read(tree.xmlNode* node, list table, const char* namespace):
    cdef dict data = {}
    cdef tree.xmlAttr* attribute = node.properties
    cdef tree.xmlNode* child
    cdef tuple found
    cdef str name
    cdef object below, value, earlier
    while attribute is not NULL:
        if attribute.ns is NULL:  # a namespaced attribute (xsi:…) is not data
            data[_attribute_key(<const char*>attribute.name)] = _joined(attribute.children)
        attribute = attribute.next
    if table[0]:
        data["#text"] = _text(node)
    child = node.children
    while child is not NULL:
        if child.type == tree.XML_ELEMENT_NODE:  # comments and processing instructions are not data
            if not _in(child, namespace):
                raise KeyError(_str(child.name))
            found = _child(table, <const char*>child.name)
            if found is None:
                raise KeyError(_str(child.name))
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


def passes(object data, tuple checks):
    """``repertoire.Checks.passes`` of the checks made plain (``Checks.plain``): the same answer for the same
    data, or the same kind of exception. A plain walk: it runs for every visited element of a package."""
    return _passes(data, checks)


cdef bint _passes(object data, tuple checks) except -1:
    cdef tuple entry, below
    cdef object value, each
    if type(data) is str:
        return _fits(<tuple>checks[0], data)
    if checks[0] and not _fits(<tuple>checks[0], _get(data, "#text", "")):
        return False
    for entry in <tuple>checks[1]:  # attributes: ("@" + name, steps)
        value = _get(data, entry[0], None)
        if value is not None and not _fits(<tuple>entry[1], value):
            return False
    for entry in <tuple>checks[2]:  # children: (name, their checks, repeated)
        value = _get(data, entry[0], None)
        if value is None:
            continue
        below = <tuple>entry[1]
        for each in (value if entry[2] else (value,)):
            if type(each) is str:
                if not _fits(<tuple>below[0], each):
                    return False
            elif not _passes(each, below):
                return False
    return True


cdef inline object _get(object data, str key, object default):
    if type(data) is dict:
        return (<dict>data).get(key, default)
    return data.get(key, default)  # not data of an element: fails as in Python


cdef bint _fits(tuple steps, object value) except -1:
    """Each step has one of its (quick, whole) patterns' ``fullmatch`` accept the value."""
    cdef tuple step, pair
    for step in steps:
        for pair in step:
            if pair[0](value) is not None or pair[1](value) is not None:
                break
        else:
            return False
    return True
