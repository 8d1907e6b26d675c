// Rendering of `ferry bundle` results: the bundle written (schema ferry.bundle/1), the install step
// (ferry.bundle-install/1) and --verify's runs (ferry.bundle-verify/1), as text or as the whole JSON document.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "bundle/bundle.hpp"

namespace ferry::report {

// "bundled NAMES: N files, SIZE, into OUTPUT" (the plan's warnings are the caller's to print, on stderr).
std::string bundle_to_text(const bundle::BundlePlan& plan, const std::string& output);
nlohmann::json bundle_to_json(const bundle::BundlePlan& plan, const std::string& output);
std::string install_to_text(const bundle::InstallReport& r);
nlohmann::json install_to_json(const bundle::InstallReport& r);
std::string verify_to_text(const bundle::VerifyReport& r);
nlohmann::json verify_to_json(const bundle::VerifyReport& r);

}  // namespace ferry::report
