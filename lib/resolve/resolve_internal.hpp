// Internal: one resolver per binary format, called by Resolver::resolve on the parsed root object.
#pragma once

#include <memory>
#include <string>

#include "resolve/object_cache.hpp"

namespace ferry::resolve {

void resolve_elf(Resolver::Impl& impl, const ResolveOptions& opts, const std::string& root_path,
                 std::shared_ptr<const LoadedObject> root_obj, DependencyTree& tree);
void resolve_macho(Resolver::Impl& impl, const ResolveOptions& opts, const std::string& root_path,
                   std::shared_ptr<const LoadedObject> root_obj, DependencyTree& tree);
void resolve_pe(Resolver::Impl& impl, const ResolveOptions& opts, const std::string& root_path,
                std::shared_ptr<const LoadedObject> root_obj, DependencyTree& tree);

bool is_macos_system_library(const std::string& path);
bool is_windows_system_import(const std::string& name, uint16_t machine);

}  // namespace ferry::resolve
