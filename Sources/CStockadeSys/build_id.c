/* Build IDs from the program headers of loaded objects (stk_build_id). */
#define _GNU_SOURCE
#include "stockade_sys.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

struct search {
    uintptr_t address;
    const char *name_part;
    char *out;
    size_t cap;
    int result;
};

/* Notes are (namesz, descsz, type) then the name and the descriptor, each
 * padded to 4 bytes. */
static int note_build_id(const unsigned char *notes, size_t size, struct search *s)
{
    size_t off = 0;
    while (off + 12 <= size) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, notes + off, 4);
        memcpy(&descsz, notes + off + 4, 4);
        memcpy(&type, notes + off + 8, 4);
        size_t name = off + 12;
        size_t desc = name + ((namesz + 3u) & ~3u);
        size_t next = desc + ((descsz + 3u) & ~3u);
        if (namesz > size || descsz > size || next > size)
            return 0;
        if (type == NT_GNU_BUILD_ID && namesz == 4 && memcmp(notes + name, "GNU", 4) == 0 && descsz > 0) {
            if (2 * (size_t)descsz + 1 > s->cap)
                return -ERANGE;
            static const char hex[] = "0123456789abcdef";
            for (uint32_t i = 0; i < descsz; i++) {
                s->out[2 * i] = hex[notes[desc + i] >> 4];
                s->out[2 * i + 1] = hex[notes[desc + i] & 15];
            }
            s->out[2 * descsz] = '\0';
            return (int)(2 * descsz);
        }
        off = next;
    }
    return 0;
}

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct search *s = data;
    int match = 0;
    if (s->address != 0) {
        for (int i = 0; i < info->dlpi_phnum; i++) {
            const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
            uintptr_t start = info->dlpi_addr + ph->p_vaddr;
            if (ph->p_type == PT_LOAD && s->address >= start && s->address - start < ph->p_memsz)
                match = 1;
        }
    } else if (s->name_part != NULL && info->dlpi_name != NULL) {
        match = strstr(info->dlpi_name, s->name_part) != NULL;
    }
    if (!match)
        return 0;
    s->result = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        int n = note_build_id((const unsigned char *)(info->dlpi_addr + ph->p_vaddr), ph->p_memsz, s);
        if (n != 0) {
            s->result = n;
            break;
        }
    }
    return 1; /* stop: this is the object */
}

int stk_build_id(const void *address, const char *name_part, char *out, size_t cap)
{
    struct search s = { (uintptr_t)address, name_part, out, cap, -1 };
    if (cap > 0)
        out[0] = '\0';
    dl_iterate_phdr(visit, &s);
    return s.result;
}
