; Tutor Desktop installer, OCR part: Tesseract with its Mongolian and English data.
;
; Included by tutor.nsi (one !include line). When the bundle folder holds a tesseract\
; folder at build time -- tesseract.exe, its DLLs and tessdata\ with mon.traineddata and
; eng.traineddata (e.g. the UB Mannheim Windows build, copied in before makensis) -- the
; installer carries it to $INSTDIR\tesseract\, next to tutor.exe, where the app finds it
; (core/ocr/engine.py: find_tesseract; TESSDATA_PREFIX is set to its tessdata\) and
; `tutor doctor` reports OCR per language. Without that folder the installer is built as
; before and the doctor says how to add OCR. A tesseract.exe without both languages'
; data is refused at build time: an installer must not promise Mongolian OCR it lacks.

!if /FileExists "${BUNDLE}\tesseract\tesseract.exe"
  !if ! /FileExists "${BUNDLE}\tesseract\tessdata\mon.traineddata"
    !error "OCR: ${BUNDLE}\tesseract\tessdata\mon.traineddata is missing (Mongolian data)"
  !endif
  !if ! /FileExists "${BUNDLE}\tesseract\tessdata\eng.traineddata"
    !error "OCR: ${BUNDLE}\tesseract\tessdata\eng.traineddata is missing (English data)"
  !endif
  !echo "OCR: carrying Tesseract from ${BUNDLE}\tesseract"

Section "-Tesseract OCR (Mongolian, English)" SecOcr
  SetOutPath "$INSTDIR\tesseract"
  File /r "${BUNDLE}\tesseract\*.*"
  SetOutPath "$INSTDIR"
  DetailPrint "OCR: Tesseract with Mongolian and English data in $INSTDIR\tesseract"
SectionEnd

; Runs before the main "Uninstall" section (defined after this file is included), so its
; final RMDir of the install folder finds the folder empty.
Section "-un.Tesseract OCR"
  RMDir /r "$INSTDIR\tesseract"
SectionEnd
!else
  !echo "OCR: no ${BUNDLE}\tesseract\tesseract.exe: the installer carries no Tesseract"
!endif
