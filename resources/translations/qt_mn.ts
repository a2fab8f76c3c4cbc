<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Mongolian for the Qt widgets the app shows (file dialogs, standard buttons, text menus).
     Qt ships no Mongolian catalogue. Sources are Qt 6 strings, matched by context and text;
     kept by hand (lupdate never touches this file); installers/update_translations.py compiles it. -->
<TS version="2.1" language="mn" sourcelanguage="en">
<context>
    <name>QAbstractFileIconProvider</name>
    <message>
        <source>Alias</source>
        <translation>Өөр нэр</translation>
    </message>
    <message>
        <source>Drive</source>
        <translation>Диск</translation>
    </message>
    <message>
        <source>File Folder</source>
        <translation>Хавтас</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Файл</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Хавтас</translation>
    </message>
    <message>
        <source>Shortcut</source>
        <translation>Холбоос</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Тодорхойгүй</translation>
    </message>
</context>
<context>
    <name>QDialogButtonBox</name>
    <message>
        <source>OK</source>
        <translation>За</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>%1 already exists.
Do you want to replace it?</source>
        <translation>%1 аль хэдийн байна.
Солих уу?</translation>
    </message>
    <message>
        <source>%1
Directory not found.
Please verify the correct directory name was given.</source>
        <translation>%1
Хавтас олдсонгүй.
Хавтасны нэрийг зөв бичсэн эсэхээ шалгана уу.</translation>
    </message>
    <message>
        <source>%1
File not found.
Please verify the correct file name was given.</source>
        <translation>%1
Файл олдсонгүй.
Файлын нэрийг зөв бичсэн эсэхээ шалгана уу.</translation>
    </message>
    <message>
        <source>&amp;Choose</source>
        <translation>&amp;Сонгох</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Устгах</translation>
    </message>
    <message>
        <source>&amp;Look in:</source>
        <translation>&amp;Байршил:</translation>
    </message>
    <message>
        <source>&amp;New Folder</source>
        <translation>&amp;Шинэ хавтас</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>&amp;Нээх</translation>
    </message>
    <message>
        <source>&amp;Rename</source>
        <translation>&amp;Нэр солих</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Хадгалах</translation>
    </message>
    <message>
        <source>'%1' is write protected.
Do you want to delete it anyway?</source>
        <translation>'%1' бичихээс хамгаалагдсан.
Гэсэн ч устгах уу?</translation>
    </message>
    <message>
        <source>All Files (*)</source>
        <translation>Бүх файл (*)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Бүх файл (*)</translation>
    </message>
    <message>
        <source>Are you sure you want to delete '%1'?</source>
        <translation>'%1'-г устгахдаа итгэлтэй байна уу?</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Буцах</translation>
    </message>
    <message>
        <source>Change to detail view mode</source>
        <translation>Дэлгэрэнгүй харах</translation>
    </message>
    <message>
        <source>Change to list view mode</source>
        <translation>Жагсаалтаар харах</translation>
    </message>
    <message>
        <source>Could not delete directory.</source>
        <translation>Хавтсыг устгаж чадсангүй.</translation>
    </message>
    <message>
        <source>Create New Folder</source>
        <translation>Шинэ хавтас үүсгэх</translation>
    </message>
    <message>
        <source>Create a New Folder</source>
        <translation>Шинэ хавтас үүсгэх</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Устгах</translation>
    </message>
    <message>
        <source>Detail View</source>
        <translation>Дэлгэрэнгүй</translation>
    </message>
    <message>
        <source>Directories</source>
        <translation>Хавтсууд</translation>
    </message>
    <message>
        <source>Directory:</source>
        <translation>Хавтас:</translation>
    </message>
    <message>
        <source>File &amp;name:</source>
        <translation>Файлын &amp;нэр:</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>Файлын &amp;төрөл:</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Файлууд</translation>
    </message>
    <message>
        <source>Find Directory</source>
        <translation>Хавтас сонгох</translation>
    </message>
    <message>
        <source>Forward</source>
        <translation>Урагшлах</translation>
    </message>
    <message>
        <source>Go back</source>
        <translation>Буцах</translation>
    </message>
    <message>
        <source>Go forward</source>
        <translation>Урагшлах</translation>
    </message>
    <message>
        <source>Go to the parent directory</source>
        <translation>Дээд хавтас руу очих</translation>
    </message>
    <message>
        <source>List View</source>
        <translation>Жагсаалт</translation>
    </message>
    <message>
        <source>List of places and bookmarks</source>
        <translation>Байршлууд ба хавчуургууд</translation>
    </message>
    <message>
        <source>New Folder</source>
        <translation>Шинэ хавтас</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Нээх</translation>
    </message>
    <message>
        <source>Parent Directory</source>
        <translation>Дээд хавтас</translation>
    </message>
    <message>
        <source>Recent Places</source>
        <translation>Сүүлд очсон газрууд</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Хасах</translation>
    </message>
    <message>
        <source>Save As</source>
        <translation>Өөр нэрээр хадгалах</translation>
    </message>
    <message>
        <source>Show </source>
        <translation>Харуулах </translation>
    </message>
    <message>
        <source>Show &amp;hidden files</source>
        <translation>&amp;Нууц файлуудыг харуулах</translation>
    </message>
    <message>
        <source>Sidebar</source>
        <translation>Хажуугийн самбар</translation>
    </message>
</context>
<context>
    <name>QFileSystemModel</name>
    <message>
        <source>Computer</source>
        <translation>Компьютер</translation>
    </message>
    <message>
        <source>Date Modified</source>
        <translation>Өөрчилсөн огноо</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Төрөл</translation>
    </message>
    <message>
        <source>My Computer</source>
        <translation>Миний компьютер</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Нэр</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Хэмжээ</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Төрөл</translation>
    </message>
</context>
<context>
    <name>QInputDialog</name>
    <message>
        <source>Enter a value:</source>
        <translation>Утга оруулна уу:</translation>
    </message>
</context>
<context>
    <name>QLineEdit</name>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Хуулах</translation>
    </message>
    <message>
        <source>&amp;Paste</source>
        <translation>&amp;Буулгах</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Дахин хийх</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Буцаах</translation>
    </message>
    <message>
        <source>Cu&amp;t</source>
        <translation>&amp;Таслах</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Устгах</translation>
    </message>
    <message>
        <source>Select All</source>
        <translation>Бүгдийг сонгох</translation>
    </message>
</context>
<context>
    <name>QMessageBox</name>
    <message>
        <source>Hide Details...</source>
        <translation>Дэлгэрэнгүйг нуух...</translation>
    </message>
    <message>
        <source>Show Details...</source>
        <translation>Дэлгэрэнгүйг харуулах...</translation>
    </message>
</context>
<context>
    <name>QPlatformTheme</name>
    <message>
        <source>&amp;No</source>
        <translation>&amp;Үгүй</translation>
    </message>
    <message>
        <source>&amp;Yes</source>
        <translation>&amp;Тийм</translation>
    </message>
    <message>
        <source>Abort</source>
        <translation>Зогсоох</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Хэрэглэх</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Болих</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Хаах</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>Хаях</translation>
    </message>
    <message>
        <source>Help</source>
        <translation>Тусламж</translation>
    </message>
    <message>
        <source>Ignore</source>
        <translation>Алгасах</translation>
    </message>
    <message>
        <source>N&amp;o to All</source>
        <translation>Бүгдэд ү&amp;гүй</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>За</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Нээх</translation>
    </message>
    <message>
        <source>Reset</source>
        <translation>Анхны байдалд</translation>
    </message>
    <message>
        <source>Restore Defaults</source>
        <translation>Анхны тохиргоо</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Дахин оролдох</translation>
    </message>
    <message>
        <source>Save All</source>
        <translation>Бүгдийг хадгалах</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Хадгалах</translation>
    </message>
    <message>
        <source>Yes to &amp;All</source>
        <translation>Бүгдэд &amp;тийм</translation>
    </message>
</context>
<context>
    <name>QWidgetTextControl</name>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Хуулах</translation>
    </message>
    <message>
        <source>&amp;Paste</source>
        <translation>&amp;Буулгах</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Дахин хийх</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Буцаах</translation>
    </message>
    <message>
        <source>Copy &amp;Link Location</source>
        <translation>&amp;Холбоосын хаягийг хуулах</translation>
    </message>
    <message>
        <source>Cu&amp;t</source>
        <translation>&amp;Таслах</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Устгах</translation>
    </message>
    <message>
        <source>Select All</source>
        <translation>Бүгдийг сонгох</translation>
    </message>
</context>
</TS>
