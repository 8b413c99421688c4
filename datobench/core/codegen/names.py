"""Identifiers for generated code: one mangling scheme for every name a backend writes.

A ``Namer`` hands out identifiers in scopes. ``namer.name(user, kind)`` gives the identifier
of one user-visible thing (a task, a stream, a local, a buffer): the user's name itself when it
is a safe identifier, otherwise a readable variant of it (``fa[0, 1]`` -> ``fa_0_1``, ``π`` ->
``pi``, ``é`` -> ``e``, ``main`` -> ``main_``); asked again for the same ``(user, kind)`` it gives
the same identifier. ``namer.fresh(stem)`` gives a new temporary (``tmp1``, ``tmp2``, ...).
``namer.scope()`` opens a nested scope (a function body): its names never equal a name of an
enclosing scope, before or after, so nothing is shadowed and nothing collides, whatever the
order in which names are asked for. ``namer.original(ident)`` is the user's name where it was
changed (None elsewhere), ``namer.note(ident)`` the comment that records it.

The reserved words are those of the language written: ``CPP_RESERVED`` at global scope (C++20
keywords and alternative tokens, C library macros, types and functions, the namespaces of the
support headers), ``CPP_LOCAL_RESERVED`` in function bodies (the same without the library's
functions, which a local merely shadows), plus identifiers the standard reserves (a leading
underscore, a double underscore). Another backend passes its own: MLIR reserves no symbol,
so the MLIR-AIE design's ``@symbols`` come from ``symbol_namer()``, where ``namer.new(user)``
names each of several things that share a user name (two FIFOs made for one buffer).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

CPP_KEYWORDS = frozenset(
    """
    alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t
    char16_t char32_t class compl concept const consteval constexpr constinit const_cast
    continue co_await co_return co_yield decltype default delete do double dynamic_cast else
    enum explicit export extern false float for friend goto if inline int long mutable
    namespace new noexcept not not_eq nullptr operator or or_eq private protected public
    register reinterpret_cast requires return short signed sizeof static static_assert
    static_cast struct switch template this thread_local throw true try typedef typeid
    typename union unsigned using virtual void volatile wchar_t while xor xor_eq
    final override import module restrict _Bool _Complex
    """.split()
)

# Macros of the C and C++ standard libraries and of glibc that a name must not be spelt as
C_MACROS = frozenset(
    """
    EOF NULL BUFSIZ FILENAME_MAX FOPEN_MAX L_tmpnam TMP_MAX SEEK_SET SEEK_CUR SEEK_END
    stdin stdout stderr errno assert offsetof setjmp longjmp va_start va_arg va_end va_copy
    va_list EXIT_SUCCESS EXIT_FAILURE RAND_MAX MB_CUR_MAX CHAR_BIT CHAR_MIN CHAR_MAX
    SCHAR_MIN SCHAR_MAX UCHAR_MAX SHRT_MIN SHRT_MAX USHRT_MAX INT_MIN INT_MAX UINT_MAX
    LONG_MIN LONG_MAX ULONG_MAX LLONG_MIN LLONG_MAX ULLONG_MAX SIZE_MAX PTRDIFF_MIN
    PTRDIFF_MAX FLT_MAX FLT_MIN FLT_EPSILON DBL_MAX DBL_MIN DBL_EPSILON HUGE_VAL HUGE_VALF
    INFINITY NAN M_PI M_E FP_NAN FP_INFINITE FP_ZERO FP_NORMAL FP_SUBNORMAL CLOCKS_PER_SEC
    LC_ALL LC_NUMERIC major minor makedev unix linux i386 NDEBUG
    """.split()
)

# Functions and objects of the C library (and POSIX) declared at global scope by the headers
# generated code includes: a global of the same name would redeclare them (a local only
# shadows them, and generated code calls nothing unqualified).
C_FUNCTIONS = frozenset(
    """
    main abort abs atexit atof atoi atol bsearch calloc div exit free getenv labs ldiv
    malloc qsort rand realloc srand system strtod strtol strtoul mblen wctomb
    printf fprintf sprintf snprintf vprintf vfprintf vsprintf vsnprintf scanf fscanf sscanf
    puts fputs gets fgets putc fputc putchar getc fgetc getchar ungetc fopen fclose freopen
    fflush fread fwrite fseek ftell rewind fgetpos fsetpos feof ferror clearerr perror
    remove rename tmpfile tmpnam setbuf setvbuf
    memcpy memmove memset memcmp memchr strcpy strncpy strcat strncat strcmp strncmp strchr
    strrchr strstr strlen strerror strtok strspn strcspn strpbrk strcoll strxfrm strdup
    acos asin atan atan2 cos sin tan cosh sinh tanh exp frexp ldexp log log10 log2 modf pow
    sqrt ceil floor fabs fmod round trunc fmin fmax hypot cbrt erf tgamma lgamma exp2 expm1
    log1p nan isnan isinf isfinite signbit copysign fma remainder
    time clock difftime mktime asctime ctime gmtime localtime strftime
    signal raise setlocale localeconv isalpha isdigit isspace
    isupper islower toupper tolower isalnum ispunct isxdigit iscntrl isgraph isprint
    open close read write pipe fork kill link unlink stat select poll sleep usleep sync wait
    sort index rindex random srandom optarg optind opterr environ dup dup2 access chdir
    getpid alarm pause mmap munmap lseek truncate ftruncate
    pthread_create pthread_join
    """.split()
)

# Types and namespaces generated code spells, in any scope: no name may hide them.
C_TYPES = frozenset(
    """
    int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t intptr_t uintptr_t
    size_t ptrdiff_t FILE fpos_t time_t clock_t tm jmp_buf sig_atomic_t locale pthread_t
    pthread_mutex_t std hls dato dato_csim ap_int ap_uint ap_fixed ap_ufixed half
    """.split()
)

# Reserved in every scope, and at global scope (functions, the top function) as well
CPP_LOCAL_RESERVED = CPP_KEYWORDS | C_MACROS | C_TYPES
CPP_RESERVED = CPP_LOCAL_RESERVED | C_FUNCTIONS
RESERVED_PREFIXES = ("DATO_", "dato_", "ap_", "xcl")  # the name spaces of the headers
# errno codes (EDOM, ERANGE, ...) and signal numbers (SIGINT, ...) are macros
_MACRO_FAMILY = re.compile(r"(E|SIG)[A-Z0-9]+\Z")
_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def ascii_name(text: str) -> str:
    """``text`` spelt with ASCII letters, digits and single underscores: accents dropped
    (``é`` -> ``e``), other letters by their Unicode name (``π`` -> ``pi``) or code
    (``中`` -> ``u4e2d``), every other run of characters an underscore."""
    out = []
    for ch in unicodedata.normalize("NFKD", text):
        if ch.isascii():
            out.append(ch if ch.isalnum() or ch == "_" else "_")
        elif unicodedata.combining(ch):
            continue
        elif ch.isalnum():
            word = unicodedata.name(ch, "").split(" ")[-1]
            spelt = word.lower() if word.isalpha() and word.isascii() else f"u{ord(ch):04x}"
            out.append(f"_{spelt}_" if out and out[-1] not in "_" else f"{spelt}_")
        else:
            out.append("_")
    return re.sub(r"_+", "_", "".join(out)).strip("_")


def spelling(user: str, kind: str = "name") -> str:
    """``user`` as an identifier before any rule of a scope applies: ``ascii_name``, with the
    kind's initial in front when that does not start with a letter (``1x`` -> ``s_1x`` for a
    ``symbol``)."""
    stem = ascii_name(user)
    if not stem or not stem[0].isalpha():
        stem = f"{kind[0].lower()}_{stem}".rstrip("_") if kind else f"n_{stem}"
    return stem


class Namer:
    """Collision-free identifiers in nested scopes (see the module's docstring).

    ``reserved``: words no identifier may be (default ``CPP_RESERVED``); ``prefixes``: starts
    no identifier may have (default ``RESERVED_PREFIXES``); ``families``: patterns of reserved
    words (default: C's errno and signal macros); ``max_length``: longer user names are cut
    to this many characters (a suffix keeps them apart), for tools and file names made from
    identifiers (None: no limit)."""

    def __init__(
        self,
        reserved: Iterable[str] = CPP_RESERVED,
        prefixes: Iterable[str] = RESERVED_PREFIXES,
        max_length: int | None = 64,
        families: Iterable[re.Pattern] = (_MACRO_FAMILY,),
        _parent: Namer | None = None,
    ):
        self.reserved = frozenset(reserved)
        self.prefixes = tuple(prefixes)
        self.families = tuple(families)
        self.max_length = max_length
        self._parent = _parent
        self._taken: set[str] = set()  # identifiers of this scope
        self._below: set[str] = set()  # identifiers of the scopes nested in this one
        self._given: dict[tuple[str, str], str] = {}
        self._changed: dict[str, str] = {}  # identifier -> the user's name it was made from
        self._counters: dict[str, int] = {}

    def scope(self, reserved: Iterable[str] | None = None) -> Namer:
        """A nested scope: its identifiers differ from every identifier of this scope and of
        the scopes enclosing it. ``reserved``: its own reserved words (default: this scope's),
        e.g. ``CPP_LOCAL_RESERVED`` for function bodies, where a C library function's name
        only shadows it."""
        words = self.reserved if reserved is None else reserved
        return Namer(words, self.prefixes, self.max_length, self.families, _parent=self)

    def name(self, user: str, kind: str = "name") -> str:
        """The identifier of the thing called ``user`` of the given ``kind`` in this scope."""
        key = (kind, user)
        if key not in self._given:
            self._given[key] = self.new(user, kind)
        return self._given[key]

    def new(self, user: str, kind: str = "name") -> str:
        """A new identifier for one more thing called ``user``: ``name``'s spelling, or it with
        a suffix (``_1``, ``_2``, ...) when that is taken, even by a thing of the same name."""
        stem = spelling(user, kind)[: self.max_length].rstrip("_")
        if not self._allowed(f"{stem}_1"):  # a reserved start (dato_, DATO_): move it aside
            stem = f"{kind[0].lower() if kind else 'n'}_{stem}"
        candidate = stem if self._allowed(stem) else stem + "_"
        n = 1
        while not self._free(candidate):
            candidate = f"{stem}_{n}"
            n += 1
        self._take(candidate)
        if candidate != user:
            self._changed[candidate] = user
        return candidate

    def names(self, users: Iterable[str], kind: str = "name") -> list[str]:
        """``name`` for each of ``users``; those already safe identifiers are served first,
        so that a made-up spelling (``fa[0]`` -> ``fa_0``) never takes a user's own."""
        users = list(users)
        for user in sorted(users, key=lambda u: not self._allowed(u)):
            self.name(user, kind)
        return [self.name(u, kind) for u in users]

    def fresh(self, stem: str = "tmp") -> str:
        """A new identifier ``stem1``, ``stem2``, ... for a temporary of this scope."""
        while True:
            self._counters[stem] = self._counters.get(stem, 0) + 1
            candidate = f"{stem}{self._counters[stem]}"
            if self._free(candidate):
                self._take(candidate)
                return candidate

    def original(self, ident: str) -> str | None:
        """The user name ``ident`` was made from, when it differs from ``ident``; else None."""
        for scope in self._chain():
            if ident in scope._changed:
                return scope._changed[ident]
        return None

    def note(self, ident: str) -> str:
        """`` // user name 'π'`` when ``ident`` was made from a different user name, else ''."""
        user = self.original(ident)
        return "" if user is None else f"  // user name {user!r}"

    # -- rules --------------------------------------------------------------------------------
    def _allowed(self, text: str) -> bool:
        """Whether ``text`` may be an identifier at all (whoever holds it)."""
        return (
            _SAFE.match(text) is not None
            and "__" not in text
            and text not in self.reserved
            and not text.startswith(self.prefixes)
            and not any(family.match(text) for family in self.families)
        )

    def _free(self, text: str) -> bool:
        if not self._allowed(text) or text in self._below:
            return False
        return all(text not in scope._taken for scope in self._chain())

    def _take(self, text: str) -> None:
        self._taken.add(text)
        scope = self._parent
        while scope is not None:
            scope._below.add(text)
            scope = scope._parent

    def _chain(self):
        scope = self
        while scope is not None:
            yield scope
            scope = scope._parent


def symbol_namer() -> Namer:
    """The namer of an MLIR design's symbols (``@fifo``, ``aie.buffer`` names): MLIR
    reserves no symbol and limits no length, so a safe user name is its own symbol; but the
    design's ``%tile_C_R`` and ``%core_C_R`` values share a scope with the buffers and the
    runtime sequence's arguments, so those spellings are moved aside."""
    return Namer(reserved=(), prefixes=(), max_length=None, families=(TILE_VALUE,))


TILE_VALUE = re.compile(r"(tile|core)_\d+_\d+\Z")  # the design's %tile_C_R / %core_C_R
