// Data: the DLLs a Windows program may import without shipping them, per architecture (`ferry deps` counts them
// as present, Windows wheel repair does not vendor them). Names are those every
// Windows 7 SP1+ install ships in System32 (SysWOW64 for 32-bit x86), from Microsoft's documentation of each
// API's "DLL" requirement; the Visual C++ redistributable (vcruntime, msvcp, concrt, vcomp ...) is NOT here:
// it is vendored unless the Python ABI provides it (windows_discover.cpp). Lowercase, sorted by family.
#include <set>
#include <string>

#include "resolve/resolve.hpp"

namespace ferry::resolve {

namespace {

// Present on x86, x64 and arm64 installs alike.
const std::set<std::string>& common_system_dlls() {
  static const std::set<std::string> s = {
      // kernel, runtime and loader
      "kernel32.dll", "kernelbase.dll", "ntdll.dll", "msvcrt.dll", "ucrtbase.dll", "msvcp_win.dll", "win32u.dll",
      "psapi.dll", "dbghelp.dll", "dbgeng.dll", "imagehlp.dll", "version.dll", "apphelp.dll", "sechost.dll",
      "powrprof.dll", "profapi.dll", "userenv.dll", "wer.dll", "avrt.dll", "ktmw32.dll", "clbcatq.dll",
      // user interface and graphics
      "user32.dll", "gdi32.dll", "gdi32full.dll", "comctl32.dll", "comdlg32.dll", "shell32.dll", "shlwapi.dll",
      "shcore.dll", "uxtheme.dll", "dwmapi.dll", "imm32.dll", "msimg32.dll", "usp10.dll", "oleacc.dll",
      "propsys.dll", "windowscodecs.dll", "gdiplus.dll", "winspool.drv", "mpr.dll", "hid.dll", "setupapi.dll",
      "cfgmgr32.dll", "devobj.dll", "newdev.dll", "wtsapi32.dll", "winmm.dll", "msacm32.dll", "avifil32.dll",
      "msvfw32.dll", "dinput8.dll", "xinput1_4.dll", "xinput9_1_0.dll", "winusb.dll", "sensapi.dll",
      // graphics APIs
      "opengl32.dll", "glu32.dll", "d3d9.dll", "d3d10.dll", "d3d10_1.dll", "d3d11.dll", "d3d12.dll", "dxgi.dll",
      "d2d1.dll", "dwrite.dll", "dcomp.dll", "d3dcompiler_47.dll", "ddraw.dll", "dxva2.dll",
      // COM and OLE
      "ole32.dll", "oleaut32.dll", "combase.dll", "rpcrt4.dll", "urlmon.dll", "oledlg.dll",
      // security and crypto
      "advapi32.dll", "secur32.dll", "sspicli.dll", "crypt32.dll", "cryptbase.dll", "cryptnet.dll",
      "cryptui.dll", "bcrypt.dll", "bcryptprimitives.dll", "ncrypt.dll", "wintrust.dll", "credui.dll",
      "netapi32.dll", "samcli.dll", "authz.dll", "dpapi.dll", "ntmarta.dll", "wevtapi.dll", "winscard.dll",
      // network
      "ws2_32.dll", "wsock32.dll", "mswsock.dll", "iphlpapi.dll", "dnsapi.dll", "winhttp.dll", "wininet.dll",
      "wldap32.dll", "normaliz.dll", "rasapi32.dll", "httpapi.dll", "fwpuclnt.dll", "nsi.dll", "dhcpcsvc.dll",
      "mprapi.dll", "netutils.dll", "winnsi.dll", "websocket.dll",
      // media
      "mf.dll", "mfplat.dll", "mfreadwrite.dll", "mfuuid.dll", "evr.dll", "dsound.dll", "ksuser.dll",
      "mmdevapi.dll", "audioses.dll", "quartz.dll",
      // misc system services
      "cabinet.dll", "msi.dll", "pdh.dll", "wbemcomn.dll", "wmi.dll", "tdh.dll", "virtdisk.dll", "winsta.dll",
      "shdocvw.dll", "mshtml.dll", "msctf.dll", "wintypes.dll", "xmllite.dll", "msxml3.dll", "msxml6.dll",
      "odbc32.dll", "odbccp32.dll", "opencl.dll", "vssapi.dll", "shfolder.dll", "query.dll", "lz32.dll",
      "activeds.dll", "aclui.dll", "adsldpc.dll", "mapi32.dll", "mscoree.dll", "loadperf.dll", "ntdsapi.dll",
      "dsrole.dll", "resutils.dll", "clusapi.dll", "scrrun.dll", "tapi32.dll", "traffic.dll", "esent.dll",
      "uiautomationcore.dll", "wlanapi.dll", "wsdapi.dll", "xpsprint.dll", "mscms.dll", "msdmo.dll", "slc.dll",
      "sxs.dll", "tbs.dll", "wimgapi.dll", "cldapi.dll", "comsvcs.dll", "d3d10core.dll", "dinput.dll",
      "icm32.dll", "inetmib1.dll", "mgmtapi.dll", "snmpapi.dll", "wsnmp32.dll", "rasdlg.dll", "rtutils.dll",
      "olepro32.dll", "oledlg.dll", "url.dll", "twain_32.dll", "mfc42.dll", "mfc42u.dll", "msvcp60.dll",
      "msvcirt.dll", "faultrep.dll", "secur32.dll", "spoolss.dll", "winbio.dll", "wofutil.dll", "dhcpcsvc6.dll",
      "ntdsapi.dll", "netshell.dll", "wscapi.dll", "structuredquery.dll", "thumbcache.dll", "dxcore.dll",
  };
  return s;
}

// 32-bit x86 only (SysWOW64 keeps the 16-bit-era shims).
const std::set<std::string>& x86_only() {
  static const std::set<std::string> s = {"wow32.dll", "msvcrt20.dll", "msvcrt40.dll", "wsock32n.dll"};
  return s;
}

// arm64 only (the emulation layer's DLLs an arm64 process can see).
const std::set<std::string>& arm64_only() {
  static const std::set<std::string> s = {"xtajit.dll", "xtajit64.dll", "wowarmhw.dll"};
  return s;
}

}  // namespace

bool is_windows_system_dll(uint16_t machine, const std::string& lower) {
  constexpr uint16_t kMachineI386 = 0x14c, kMachineArm64 = 0xaa64;  // IMAGE_FILE_MACHINE_*
  if (common_system_dlls().count(lower)) return true;
  if (machine == kMachineI386) return x86_only().count(lower) != 0;
  if (machine == kMachineArm64) return arm64_only().count(lower) != 0;
  return false;
}

}  // namespace ferry::resolve
