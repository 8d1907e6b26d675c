// placeholder
#include "elf/elf_info.hpp"
