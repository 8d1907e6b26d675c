# ferry_static: the CLI's sources linked with -static-pie against the same libferry module archives as ferry_cli,
# so building it costs the CLI's few files and one link. Debian ships static archives (.a) for every library
# ferry uses except libfmt (used header-only here); static archives do not name their own dependencies, so the
# link lists what `pkg-config --static` gives, and mbed TLS for Debian's libLIEF.a.
if(FERRY_STATIC)
  add_executable(ferry_static ${ferry_cli_srcs} ${CMAKE_CURRENT_SOURCE_DIR}/no_xar_writer.cpp)
else()
  add_executable(ferry_static EXCLUDE_FROM_ALL ${ferry_cli_srcs} ${CMAKE_CURRENT_SOURCE_DIR}/no_xar_writer.cpp)
endif()
# Debian ships no libisal.a. FERRY_ISAL_STATIC names one built from Debian's libisal source package
# (scripts/isal-static.sh; scripts/build-wheel.sh passes it): the static ferry then streams large members
# through ISA-L as the shared one does; without it, through zlib, at half the speed. Either way the static ferry
# compiles its own copy of the deflate code (with the archive: wrapping ISA-L's call, below; without: built
# without ISA-L). Linked as an object ahead of the module archives, it satisfies every reference, so the
# archive's copy, built for the shared ferry, is never pulled in.
set(FERRY_ISAL_STATIC "" CACHE FILEPATH "ISA-L static archive for ferry_static (scripts/isal-static.sh)")
set(ferry_static_isal "")
if(LIBISAL_FOUND)
  target_sources(ferry_static PRIVATE ${PROJECT_SOURCE_DIR}/lib/wheel/deflate.cpp)
endif()
if(LIBISAL_FOUND AND FERRY_ISAL_STATIC)
  if(NOT EXISTS ${FERRY_ISAL_STATIC})
    message(FATAL_ERROR "FERRY_ISAL_STATIC: no file ${FERRY_ISAL_STATIC} (scripts/isal-static.sh builds it)")
  endif()
  set(ferry_static_isal ${FERRY_ISAL_STATIC})
  # The block starts of a large member are recorded where ISA-L calls its per-block decoder (deflate.cpp,
  # BlockRecorder): the shared ferry interposes on that call through the dynamic loader, the static one has the
  # linker wrap it, in its own copy of the deflate code.
  target_compile_definitions(ferry_static PRIVATE FERRY_HAVE_ISAL FERRY_ISAL_WRAPPED)
  target_link_options(ferry_static PRIVATE -Wl,--wrap=decode_huffman_code_block_stateless)
endif()
set_target_properties(ferry_static PROPERTIES OUTPUT_NAME ferry RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin/static)
target_compile_definitions(ferry_static PRIVATE FERRY_VERSION="${PROJECT_VERSION}")
target_include_directories(ferry_static PRIVATE ${PROJECT_SOURCE_DIR}/lib)
# Header-only usage requirements only: the libraries themselves are named below, as static archives.
target_link_libraries(ferry_static PRIVATE CLI11::CLI11 fmt::fmt-header-only nlohmann_json::nlohmann_json)
get_target_property(ferry_module_targets ferry INTERFACE_LINK_LIBRARIES)
set(ferry_module_archives "")
foreach(m ${ferry_module_targets})
  get_target_property(kind ${m} TYPE)
  if(kind STREQUAL "STATIC_LIBRARY")
    list(APPEND ferry_module_archives $<TARGET_FILE:${m}>)
    add_dependencies(ferry_static ${m})
  endif()
endforeach()
# -l names resolve to lib*.a under -static. The order is the dependency order static linking needs.
set(ferry_static_libs LIEF mbedx509 mbedcrypto ${LIBARCHIVE_STATIC_LIBRARIES}
  ${LIBCRYPTO_STATIC_LIBRARIES} ${LIBDEFLATE_STATIC_LIBRARIES} z)
# static-pie with an .eh_frame_hdr: a plain -static binary links crtbeginT.o, which registers every FDE with the
# unwinder, and the first exception (CLI11 throws one for --version and --help) then sorts all of them: 15 ms of
# CPU at every start. static-pie finds FDEs through PT_GNU_EH_FRAME's sorted table like a dynamic program, and
# keeps ASLR. Every object must be position-independent (Debian's .a are).
set_target_properties(ferry_static PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_link_options(ferry_static PRIVATE -static-pie -Wl,--eh-frame-hdr -pthread)
if(FERRY_LINKER_PACKS_RELATIVE_RELOCS)
  target_link_options(ferry_static PRIVATE -Wl,-z,pack-relative-relocs)
endif()
# LIEF's archive with its PE tables' constructors deferred (tools/CMakeLists.txt): as the shared ferry does.
if(TARGET ferry_lief_deferred)
  add_dependencies(ferry_static ferry_lief_deferred)
  target_sources(ferry_static PRIVATE ${lief_deferred})
endif()
# ISA-L's archive comes first: the wrapped call's __real_ name must resolve to ISA-L's decoder, not to the
# interposer the module archive's deflate code defines for the shared ferry.
target_link_libraries(ferry_static PRIVATE -Wl,--start-group ${ferry_static_isal} ${ferry_module_archives}
  -Wl,--end-group ${ferry_static_libs})
