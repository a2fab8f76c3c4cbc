; Tutor Desktop: the Windows installer (per machine, under Program Files).
;
;   makensis /DVERSION=0.1.0 /DBUNDLE=%CD%\dist\tutor /DOUTFILE=%CD%\dist\tutor-desktop-0.1.0-setup.exe ^
;            installers\windows\tutor.nsi
;
; BUNDLE (an absolute path: makensis works from this script's folder) is the PyInstaller
; one-folder build made on Windows (installers/tutor.spec):
; tutor.exe, _internal\, models\, build_info.json.
;
; For IT staff installing 20-40 lab PCs:
;   tutor-desktop-0.1.0-setup.exe /S                        silent install
;   ... /S /CONFIG=E:\lab\tutor.toml                         also place the IT file next to the app
;   ... /S /D=D:\Apps\Tutor Desktop                          another folder (/D= must come last)
;   "C:\Program Files\Tutor Desktop\uninstall.exe" /S       silent uninstall
; The uninstaller removes the app's own files only: students' data (their
; %LOCALAPPDATA%\TutorDesktop folders), models IT imported into models\ and the IT file
; tutor.toml stay until the folder is deleted by hand.
;
; The local service (docs/THREAT_MODEL.md): the installer registers the Windows service
; "TutorDesktop" (tutor.exe ... service --windows-service: pywin32 answers the service
; control manager) under NT AUTHORITY\LocalService, set to start automatically, and
; starts it. Its data is C:\ProgramData\TutorDesktop\data: the ACL is replaced (no
; inheritance from ProgramData, which lets every user create files) by SYSTEM and
; Administrators (full) and LocalService (modify), so students' accounts cannot open the
; school's database. It listens on loopback TCP and writes the port and a key to
; C:\ProgramData\TutorDesktop\run\endpoint.json, readable by the local Users group:
; reading that file is what lets an account's window connect (IT may replace the Users
; grant by a group of its own). The uninstaller stops and deletes the service and
; removes run\; data\ stays, like students' data.

Unicode true
!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"

!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef BUNDLE
  !error "Pass /DBUNDLE=<the PyInstaller one-folder bundle, e.g. dist\tutor>"
!endif
!ifndef OUTFILE
  !define OUTFILE "tutor-desktop-${VERSION}-setup.exe"
!endif
!define APP "Tutor Desktop"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\TutorDesktop"
!define IT_FILE "tutor.toml"
!define SERVICE "TutorDesktop"
; With SetShellVarContext all, $APPDATA is C:\ProgramData.
!define SERVICE_ROOT "$APPDATA\TutorDesktop"
; Well-known SIDs, so the names work on a Mongolian Windows too:
; SYSTEM, Administrators, LocalService, Users.
!define SID_SYSTEM "*S-1-5-18"
!define SID_ADMINS "*S-1-5-32-544"
!define SID_LOCALSERVICE "*S-1-5-19"
!define SID_USERS "*S-1-5-32-545"

Name "${APP} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP}"
RequestExecutionLevel admin
SetCompressor /SOLID lzma
ShowInstDetails show
ShowUninstDetails show

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "Mongolian"

Var ConfigFile

Function .onInit
  SetShellVarContext all
  ${If} ${RunningX64}
    SetRegView 64
  ${EndIf}
  ; /CONFIG=path\tutor.toml: checked before anything is installed.
  StrCpy $ConfigFile ""
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/CONFIG=" $R1
  ${IfNot} ${Errors}
    StrCpy $ConfigFile $R1
    ${IfNot} ${FileExists} "$ConfigFile"
      MessageBox MB_ICONSTOP "The IT file $ConfigFile does not exist; nothing was installed." /SD IDOK
      SetErrorLevel 2
      Abort
    ${EndIf}
  ${EndIf}
FunctionEnd

Section "Tutor Desktop" SecMain
  SectionIn RO
  ; An upgrade: the running service holds tutor.exe open. "net stop" waits until it stopped
  ; (it fails harmlessly on a first install).
  nsExec::ExecToLog 'net.exe stop ${SERVICE}'
  Pop $0
  SetOutPath "$INSTDIR"
  File "${BUNDLE}\tutor.exe"
  File "${BUNDLE}\build_info.json"
  File /r "${BUNDLE}\_internal"
  SetOutPath "$INSTDIR\models"
  File "${BUNDLE}\models\manifest.toml"
  File /nonfatal "${BUNDLE}\models\README.md"
  SetOutPath "$INSTDIR"
  ${If} $ConfigFile != ""
    CopyFiles /SILENT "$ConfigFile" "$INSTDIR\${IT_FILE}"
    DetailPrint "IT file: $INSTDIR\${IT_FILE}"
  ${EndIf}

  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\tutor.exe" "gui" "$INSTDIR\tutor.exe" 0
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "Tutor Desktop"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\tutor.exe"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1

  Call InstallService

  ; Check the installed app once, in a throw-away data folder; never fails the install.
  DetailPrint "Checking this computer (tutor doctor)..."
  nsExec::ExecToLog '"$INSTDIR\tutor.exe" --data-dir "$TEMP\tutor-doctor" doctor --summary'
  Pop $0
  RMDir /r "$TEMP\tutor-doctor"
SectionEnd

; The local service: its folders and their ACLs, registered (or updated, on an upgrade)
; under LocalService, restarted by Windows if it fails, started now.
Function InstallService
  CreateDirectory "${SERVICE_ROOT}\data"
  CreateDirectory "${SERVICE_ROOT}\run"
  nsExec::ExecToLog 'icacls "${SERVICE_ROOT}" /inheritance:r /grant:r ${SID_SYSTEM}:(OI)(CI)F ${SID_ADMINS}:(OI)(CI)F ${SID_LOCALSERVICE}:(OI)(CI)RX'
  Pop $0
  nsExec::ExecToLog 'icacls "${SERVICE_ROOT}\data" /grant:r ${SID_LOCALSERVICE}:(OI)(CI)M'
  Pop $0
  nsExec::ExecToLog 'icacls "${SERVICE_ROOT}\run" /grant:r ${SID_LOCALSERVICE}:(OI)(CI)M ${SID_USERS}:(OI)(CI)R'
  Pop $0
  StrCpy $1 '\"$INSTDIR\tutor.exe\" --data-dir \"${SERVICE_ROOT}\data\" service --windows-service --socket \"${SERVICE_ROOT}\run\endpoint.json\"'
  nsExec::ExecToLog 'sc.exe create ${SERVICE} binPath= "$1" obj= "NT AUTHORITY\LocalService" password= "" start= auto DisplayName= "${APP}"'
  Pop $0
  ${If} $0 != 0   ; already registered: an upgrade, the same settings
    nsExec::ExecToLog 'sc.exe config ${SERVICE} binPath= "$1" obj= "NT AUTHORITY\LocalService" password= "" start= auto'
    Pop $0
  ${EndIf}
  nsExec::ExecToLog 'sc.exe description ${SERVICE} "Keeps the school$\'s data for Tutor Desktop; the window connects to it."'
  Pop $0
  nsExec::ExecToLog 'sc.exe failure ${SERVICE} reset= 86400 actions= restart/5000/restart/5000/restart/60000'
  Pop $0
  nsExec::ExecToLog 'sc.exe start ${SERVICE}'
  Pop $0
  DetailPrint "Tutor Desktop service: data in ${SERVICE_ROOT}\data"
FunctionEnd

!include "ocr_tesseract.nsh"   ; Tesseract + mon/eng data when the bundle has them

Function un.onInit
  SetShellVarContext all
  ${If} ${RunningX64}
    SetRegView 64
  ${EndIf}
FunctionEnd

Section "Uninstall"
  ; The service first: stopped (net stop waits), deleted, its endpoint file removed.
  ; ${SERVICE_ROOT}\data, the school's data on this PC, stays (see the top of this file).
  nsExec::ExecToLog 'net.exe stop ${SERVICE}'
  Pop $0
  nsExec::ExecToLog 'sc.exe delete ${SERVICE}'
  Pop $0
  RMDir /r "${SERVICE_ROOT}\run"
  ; The app's own files only (see the top of this file for what stays).
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\tutor.exe"
  Delete "$INSTDIR\build_info.json"
  Delete "$INSTDIR\models\manifest.toml"
  Delete "$INSTDIR\models\README.md"
  RMDir "$INSTDIR\models"
  Delete "$SMPROGRAMS\${APP}.lnk"
  DeleteRegKey HKLM "${UNINST_KEY}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
SectionEnd
