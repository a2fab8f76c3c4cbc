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

  ; Check the installed app once, in a throw-away data folder; never fails the install.
  DetailPrint "Checking this computer (tutor doctor)..."
  nsExec::ExecToLog '"$INSTDIR\tutor.exe" --data-dir "$TEMP\tutor-doctor" doctor --summary'
  Pop $0
  RMDir /r "$TEMP\tutor-doctor"
SectionEnd

Function un.onInit
  SetShellVarContext all
  ${If} ${RunningX64}
    SetRegView 64
  ${EndIf}
FunctionEnd

Section "Uninstall"
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
