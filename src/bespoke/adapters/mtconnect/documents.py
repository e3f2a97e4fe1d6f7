"""Reading MTConnect XML documents safely and without caring for their version: elements
are matched on local names, since every version of the standard has its own namespace."""

from collections.abc import Iterator
from typing import Any

from lxml import etree

MAX_DOCUMENT = 32 * 1024 * 1024
"""Largest document read, in bytes."""

Element = Any
"""An lxml element (lxml ships no type information)."""


class DocumentError(ValueError):
    """A document that is not the MTConnect document expected."""


def parse_document(data: bytes, *roots: str) -> Element:
    """The root element of `data`, which must be an XML document whose root element is
    called one of `roots` (whatever its namespace); entities, DTDs and the network are
    ignored."""
    if len(data) > MAX_DOCUMENT:
        raise DocumentError(f"document of {len(data)} bytes; at most {MAX_DOCUMENT} are read")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True
    )
    try:
        element = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise DocumentError(f"malformed XML: {error}") from None
    if element is None:
        raise DocumentError("empty document")
    name = local_name(element)
    if name not in roots:
        raise DocumentError(f"root element {name[:60]!r}, expected {' or '.join(roots)}")
    return element


def local_name(element: Element) -> str:
    """The element's name without its namespace ('' for a comment or instruction)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def children(element: Element, name: str | None = None) -> Iterator[Element]:
    """The child elements of `element`, only those called `name` when given."""
    for child in element:
        if isinstance(child.tag, str) and (name is None or local_name(child) == name):
            yield child


def descendants(element: Element, name: str) -> Iterator[Element]:
    """Every element under `element` called `name`, in document order."""
    for child in element.iter():
        if child is not element and local_name(child) == name:
            yield child


def first_child(element: Element, name: str) -> Element | None:
    return next(children(element, name), None)


def attribute(element: Element, name: str, limit: int = 200) -> str | None:
    """The attribute `name` of `element`, None when absent; refused when longer than
    `limit` characters."""
    value = element.get(name)
    if value is None:
        return None
    text = str(value)
    if len(text) > limit:
        raise DocumentError(f"attribute {name} of {local_name(element)} longer than {limit}")
    return text


def text_of(element: Element) -> str:
    """The element's own text, '' when it has none."""
    text = element.text
    return "" if text is None else str(text)


def whole_number(element: Element, name: str) -> int:
    """A required non-negative whole-number attribute."""
    text = attribute(element, name, 20)
    if text is None or not text.isdigit():
        raise DocumentError(f"{local_name(element)} needs {name} as a whole number, got {text!r}")
    return int(text)
