<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="mn" sourcelanguage="en">
<context>
    <name>CameraButton</name>
    <message>
        <source>Taking a photo is not possible: this copy of the app has no camera support. Add a picture from a file instead.</source>
        <translation>Зураг авах боломжгүй: програмын энэ хувилбарт камерын дэмжлэг алга. Оронд нь файлаас зураг нэмнэ үү.</translation>
    </message>
    <message>
        <source>No camera was found on this computer. Add a picture from a file instead.</source>
        <translation>Энэ компьютерт камер олдсонгүй. Оронд нь файлаас зураг нэмнэ үү.</translation>
    </message>
    <message>
        <source>Take a photo</source>
        <translation>Зураг авах</translation>
    </message>
    <message>
        <source>Take one photo of a problem with the camera: its text is put in the box for you to check</source>
        <translation>Бодлогын зургийг камераар нэг удаа авна: текстийг нь шалгахад тань зориулж хайрцагт оруулна</translation>
    </message>
    <message>
        <source>Taking a photo…</source>
        <translation>Зураг авч байна…</translation>
    </message>
    <message>
        <source>The camera gave no picture. Try again.</source>
        <translation>Камер зураг өгсөнгүй. Дахин оролдоно уу.</translation>
    </message>
    <message>
        <source>The camera could not take a photo. Try again, or add a picture from a file.</source>
        <translation>Камер зураг авч чадсангүй. Дахин оролдох эсвэл файлаас зураг нэмнэ үү.</translation>
    </message>
</context>
<context>
    <name>ChatHostPage</name>
    <message>
        <source>← Subjects</source>
        <translation>← Хичээлүүд</translation>
    </message>
    <message>
        <source>Back to the subjects (Alt+Left)</source>
        <translation>Хичээлүүд рүү буцах (Alt+Left)</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>+ New conversation</source>
        <translation>+ Шинэ яриа</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Илгээх</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Зогсоох</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Дахин хариулуулах</translation>
    </message>
    <message>
        <source>Copy answer</source>
        <translation>Хариултыг хуулах</translation>
    </message>
    <message>
        <source>Practise this topic</source>
        <translation>Энэ сэдвээр дасгал хийх</translation>
    </message>
    <message>
        <source>Give me a hint</source>
        <translation>Сэжүүр</translation>
    </message>
    <message>
        <source>Give me a hint (Ctrl+H)</source>
        <translation>Сэжүүр авах (Ctrl+H)</translation>
    </message>
    <message>
        <source>Stop the answer (Esc)</source>
        <translation>Хариултыг зогсоох (Esc)</translation>
    </message>
    <message>
        <source>Send the question (Enter)</source>
        <translation>Асуултаа илгээх (Enter)</translation>
    </message>
    <message>
        <source>Type your question… (Enter sends)</source>
        <translation>Асуултаа бичээрэй… (Enter дарж илгээнэ)</translation>
    </message>
    <message>
        <source>Your question</source>
        <translation>Таны асуулт</translation>
    </message>
    <message>
        <source>The conversation</source>
        <translation>Яриа</translation>
    </message>
    <message>
        <source>Enter: send · Ctrl+H: hint · Esc: stop · Page Up/Down: read the answer</source>
        <translation>Enter: илгээх · Ctrl+H: сэжүүр · Esc: зогсоох · Page Up/Down: хариултыг унших</translation>
    </message>
    <message>
        <source>Grade %1 · %2</source>
        <translation>%1-р анги · %2</translation>
    </message>
    <message>
        <source>The tutor is ready</source>
        <translation>Багш бэлэн байна</translation>
    </message>
    <message>
        <source>Model: %1</source>
        <translation>Загвар: %1</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>Загварыг ачаалж байна…</translation>
    </message>
    <message>
        <source>No local model</source>
        <translation>Загвар суулгаагүй</translation>
    </message>
    <message>
        <source>New conversation</source>
        <translation>Шинэ яриа</translation>
    </message>
    <message>
        <source>The answer was stopped.</source>
        <translation>Хариултыг зогсоосон.</translation>
    </message>
    <message>
        <source>Something went wrong. Please try again.</source>
        <translation>Алдаа гарлаа. Дахин оролдоно уу.</translation>
    </message>
    <message>
        <source>The answer was copied.</source>
        <translation>Хариултыг хуулсан.</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Та</translation>
    </message>
    <message>
        <source>Tutor</source>
        <translation>Туслах багш</translation>
    </message>
    <message>
        <source>(stopped)</source>
        <translation>(зогсоосон)</translation>
    </message>
    <message>
        <source>%1, p. %2</source>
        <translation>%1, х. %2</translation>
    </message>
    <message>
        <source>From your textbook</source>
        <translation>Сурах бичгээс</translation>
    </message>
    <message>
        <source>Show less</source>
        <translation>Хураах</translation>
    </message>
    <message>
        <source>Show the whole passages</source>
        <translation>Хэсгүүдийг бүтнээр нь харах</translation>
    </message>
    <message>
        <source>Sources:</source>
        <translation>Эх сурвалж:</translation>
    </message>
    <message>
        <source>Ask your question below. The tutor will help you step by step.</source>
        <translation>Асуултаа доор бичээрэй. Багш алхам алхмаар туслах болно.</translation>
    </message>
    <message>
        <source>The textbook page cannot be shown on this computer.</source>
        <translation>Энэ компьютер дээр сурах бичгийн хуудсыг харуулах боломжгүй.</translation>
    </message>
</context>
<context>
    <name>ClassDashboard</name>
    <message>
        <source>All subjects</source>
        <translation>Бүх хичээл</translation>
    </message>
    <message>
        <source>All books</source>
        <translation>Бүх ном</translation>
    </message>
    <message>
        <source>Student</source>
        <translation>Сурагч</translation>
    </message>
    <message>
        <source>No class yet</source>
        <translation>Одоогоор анги алга</translation>
    </message>
    <message>
        <source>Create a class and add its students in the Students tab; their progress in each topic will appear here.</source>
        <translation>«Сурагчид» хэсэгт анги үүсгээд сурагчдаа нэмнэ үү; тэдний сэдэв бүрийн ахиц энд харагдана.</translation>
    </message>
    <message>
        <source>No students in class %1 yet</source>
        <translation>%1 ангид одоогоор сурагч алга</translation>
    </message>
    <message>
        <source>Add them in the Students tab. Once they practise or ask the tutor, each student&apos;s level in every topic will appear here.</source>
        <translation>Сурагчдаа «Сурагчид» хэсэгт нэмнэ үү. Тэд дасгал хийх эсвэл туслах багшаас асуухад сурагч бүрийн сэдэв тус бүрийн түвшин энд харагдана.</translation>
    </message>
    <message>
        <source>No textbook with topics yet</source>
        <translation>Одоогоор сэдэвтэй сурах бичиг алга</translation>
    </message>
    <message>
        <source>Import a textbook in the Library tab: its chapters become the topics that students practise and ask the tutor about, and their levels will appear here.</source>
        <translation>«Номын сан» хэсэгт сурах бичиг оруулна уу: түүний бүлгүүд сурагчдын дасгал хийж, туслах багшаас асуух сэдэв болох бөгөөд тэдний түвшин энд харагдана.</translation>
    </message>
    <message>
        <source>Nothing in this subject or book yet</source>
        <translation>Энэ хичээл эсвэл номоор одоогоор идэвх алга</translation>
    </message>
    <message>
        <source>Students&apos; levels appear here once they practise its topics or ask the tutor about them. Choose “All subjects” and “All books” to see all of the class&apos;s activity.</source>
        <translation>Сурагчид түүний сэдвүүдээр дасгал хийх эсвэл туслах багшаас асуухад тэдний түвшин энд харагдана. Ангийн бүх идэвхийг харахын тулд «Бүх хичээл», «Бүх ном»-ыг сонгоно уу.</translation>
    </message>
    <message>
        <source>No activity in class %1 yet</source>
        <translation>%1 ангид одоогоор идэвх алга</translation>
    </message>
    <message>
        <source>Once students practise a topic or ask the tutor about their textbook, each student&apos;s level in every topic will appear here, one row per student.</source>
        <translation>Сурагчид сэдвээр дасгал хийх эсвэл сурах бичгийнхээ талаар туслах багшаас асуухад сурагч бүрийн сэдэв тус бүрийн түвшин энд харагдана: сурагч бүрт нэг мөр.</translation>
    </message>
    <message>
        <source>%1 (due %2): %3 of %4 done</source>
        <translation>%1 (хугацаа %2): %4-аас %3 нь хийсэн</translation>
    </message>
    <message>
        <source>Add students to this class before assigning practice</source>
        <translation>Дасгал даалгахын өмнө энэ ангид сурагчдаа нэмнэ үү</translation>
    </message>
    <message>
        <source>Save report</source>
        <translation>Тайлан хадгалах</translation>
    </message>
    <message>
        <source>Class:</source>
        <translation>Анги:</translation>
    </message>
    <message>
        <source>Subject:</source>
        <translation>Хичээл:</translation>
    </message>
    <message>
        <source>Book:</source>
        <translation>Ном:</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>CSV татах</translation>
    </message>
    <message>
        <source>Export PDF</source>
        <translation>PDF татах</translation>
    </message>
    <message>
        <source>Flagged questions</source>
        <translation>Анхаарах асуултууд</translation>
    </message>
    <message>
        <source>Needs help</source>
        <translation>Тусламж хэрэгтэй</translation>
    </message>
    <message>
        <source>Asked about most</source>
        <translation>Хамгийн их асуусан</translation>
    </message>
    <message>
        <source>Practice sets</source>
        <translation>Даалгаврууд</translation>
    </message>
    <message>
        <source>Assign a practice set</source>
        <translation>Дасгал даалгах</translation>
    </message>
    <message>
        <source>Number of items</source>
        <translation>Дасгалын тоо</translation>
    </message>
    <message>
        <source>Due date</source>
        <translation>Дуусах хугацаа</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>Даалгах</translation>
    </message>
</context>
<context>
    <name>LibraryPage</name>
    <message>
        <source>Import textbooks as PDF files: click Import PDF… or drop the files here. Students get answers from the books of their grade and subject, with page numbers.</source>
        <translation>Сурах бичгийг PDF файлаар оруулна: «PDF оруулах…» дээр дарах эсвэл файлуудаа энд чирж оруулна уу. Сурагчид өөрийн анги, хичээлийн номноос хуудасны дугаартай хариулт авна.</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Номын нэр</translation>
    </message>
    <message>
        <source>e.g. Biology 7 (optional)</source>
        <translation>жишээ нь Биологи 7 (заавал биш)</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Хичээл</translation>
    </message>
    <message>
        <source>Grade</source>
        <translation>Анги</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Хэл</translation>
    </message>
    <message>
        <source>Import PDF…</source>
        <translation>PDF оруулах…</translation>
    </message>
    <message>
        <source>Import a textbook pack…</source>
        <translation>Сурах бичгийн багц оруулах…</translation>
    </message>
    <message>
        <source>Install the books of a textbook pack (made with tutor library export) from a USB stick: no re-indexing on this computer.</source>
        <translation>Сурах бичгийн багцын номуудыг (tutor library export-оор хийсэн) USB дискнээс суулгана: энэ компьютер дээр дахин индексжүүлэхгүй.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Болих</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Нээх</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Устгах</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>Хуудас</translation>
    </message>
    <message>
        <source>Passages</source>
        <translation>Хэсгүүд</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Төлөв</translation>
    </message>
    <message>
        <source>importing…</source>
        <translation>оруулж байна…</translation>
    </message>
    <message>
        <source>updating search…</source>
        <translation>хайлтыг шинэчилж байна…</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>бэлэн</translation>
    </message>
    <message>
        <source>Choose textbook PDFs</source>
        <translation>Сурах бичгийн PDF файлуудыг сонгох</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF файл (*.pdf)</translation>
    </message>
    <message>
        <source>Reading…</source>
        <translation>Уншиж байна…</translation>
    </message>
    <message>
        <source>page {done} of {total}</source>
        <translation>хуудас {done}/{total}</translation>
    </message>
    <message>
        <source>recognising scanned page {done} of {total}</source>
        <translation>скан хийсэн {total} хуудасны {done}-г таньж байна</translation>
    </message>
    <message>
        <source>{pages} pages, passage {done} of {total}</source>
        <translation>{pages} хуудас, хэсэг {done}/{total}</translation>
    </message>
    <message>
        <source>about {time} left</source>
        <translation>ойролцоогоор {time} үлдсэн</translation>
    </message>
    <message>
        <source>importing {percent} %</source>
        <translation>оруулж байна {percent} %</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Цуцалж байна…</translation>
    </message>
    <message>
        <source>Import cancelled; nothing was kept.</source>
        <translation>Оруулалтыг цуцаллаа; юу ч хадгалагдаагүй.</translation>
    </message>
    <message>
        <source>Choose the textbook pack folder</source>
        <translation>Сурах бичгийн багцын хавтсыг сонгоно уу</translation>
    </message>
    <message>
        <source>Checking the pack…</source>
        <translation>Багцыг шалгаж байна…</translation>
    </message>
    <message>
        <source>Book {done} of {total}: {title}</source>
        <translation>{total} номын {done}-р ном: {title}</translation>
    </message>
    <message>
        <source>Remove textbook</source>
        <translation>Сурах бичиг устгах</translation>
    </message>
    <message>
        <source>Remove &quot;{title}&quot; from the library? Students will no longer get answers from it.</source>
        <translation>&quot;{title}&quot; номыг номын сангаас устгах уу? Сурагчид цаашид үүнээс хариулт авахгүй.</translation>
    </message>
    <message>
        <source>{s} s</source>
        <translation>{s} сек</translation>
    </message>
    <message>
        <source>{m} min {s} s</source>
        <translation>{m} мин {s} сек</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Tutor Desktop</source>
        <translation>Цахим багш</translation>
    </message>
    <message>
        <source>Change the language</source>
        <translation>Хэл солих</translation>
    </message>
    <message>
        <source>⚙ Settings</source>
        <translation>⚙ Тохиргоо</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Гарах</translation>
    </message>
    <message>
        <source>You were signed out because nobody used the computer for a while.</source>
        <translation>Компьютерийг хэсэг хугацаанд хэн ч ашиглаагүй тул автоматаар гаргалаа.</translation>
    </message>
</context>
<context>
    <name>MessageLabel</name>
    <message>
        <source>Something went wrong: {error}</source>
        <translation>Алдаа гарлаа: {error}</translation>
    </message>
</context>
<context>
    <name>MyProgressPage</name>
    <message>
        <source>Practise</source>
        <translation>Дасгал хийх</translation>
    </message>
    <message>
        <source>Practice set: %1 (due %2)</source>
        <translation>Даалгавар: %1 (хугацаа %2)</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Хийсэн</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Эхлэх</translation>
    </message>
    <message>
        <source>%1 items to review today</source>
        <translation>Өнөөдөр давтах %1 дасгал байна</translation>
    </message>
    <message>
        <source>Finding the topics in the textbooks…</source>
        <translation>Сурах бичгийн сэдвүүдийг гаргаж байна…</translation>
    </message>
    <message>
        <source>← Back</source>
        <translation>← Буцах</translation>
    </message>
    <message>
        <source>My progress</source>
        <translation>Миний ахиц</translation>
    </message>
    <message>
        <source>Review now</source>
        <translation>Одоо давтах</translation>
    </message>
    <message>
        <source>Topic</source>
        <translation>Сэдэв</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Түвшин</translation>
    </message>
    <message>
        <source>Right</source>
        <translation>Зөв</translation>
    </message>
</context>
<context>
    <name>NeedsAttentionPage</name>
    <message>
        <source>Marked as seen.</source>
        <translation>Харсан гэж тэмдэглэлээ.</translation>
    </message>
    <message>
        <source>Messages in which a student of your classes may be in danger or distress. The student was answered with care and the child helpline 108. Talk to the student soon, then mark the case as seen.</source>
        <translation>Таны ангийн сурагч аюулд орсон эсвэл хэцүү байдалд байж болзошгүйг харуулсан мессежүүд. Сурагчид анхааралтай хариулж, Хүүхдийн тусламжийн 108 утсыг санал болгосон. Сурагчтай удахгүй ярилцаад, харсан гэж тэмдэглээрэй.</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Цаг</translation>
    </message>
    <message>
        <source>Student</source>
        <translation>Сурагч</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>Анги</translation>
    </message>
    <message>
        <source>Concern</source>
        <translation>Асуудал</translation>
    </message>
    <message>
        <source>What the student wrote</source>
        <translation>Сурагчийн бичсэн зүйл</translation>
    </message>
    <message>
        <source>Nothing needs your attention.</source>
        <translation>Одоогоор анхаарал шаардсан зүйл алга.</translation>
    </message>
    <message>
        <source>Show cases already seen</source>
        <translation>Харсан тохиолдлуудыг бас харуулах</translation>
    </message>
    <message>
        <source>Mark as seen</source>
        <translation>Харсан гэж тэмдэглэх</translation>
    </message>
</context>
<context>
    <name>PageViewer</name>
    <message>
        <source>◀ Previous page</source>
        <translation>◀ Өмнөх хуудас</translation>
    </message>
    <message>
        <source>Next page ▶</source>
        <translation>Дараагийн хуудас ▶</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Ачаалж байна…</translation>
    </message>
    <message>
        <source>p. {page}</source>
        <translation>х. {page}</translation>
    </message>
    <message>
        <source>Recognised text (OCR, {percent} % sure): it may contain mistakes; the picture shows the page as printed.</source>
        <translation>Танигдсан текст (OCR, {percent} % итгэлтэй): алдаа байж болзошгүй; зураг нь хэвлэсэн хуудсыг харуулна.</translation>
    </message>
    <message>
        <source>The PDF file is not on this computer; showing the page&apos;s text.</source>
        <translation>PDF файл энэ компьютерт алга; хуудасны текстийг харуулж байна.</translation>
    </message>
</context>
<context>
    <name>PasswordSection</name>
    <message>
        <source>The two new passwords are not the same.</source>
        <translation>Хоёр шинэ нууц үг ижил биш байна.</translation>
    </message>
    <message>
        <source>Your password was changed. Use the new one from now on.</source>
        <translation>Нууц үг тань солигдлоо. Цаашид шинэ нууц үгээ ашиглана уу.</translation>
    </message>
    <message>
        <source>Your password</source>
        <translation>Таны нууц үг</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>Одоогийн нууц үг</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>Шинэ нууц үг</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>Шинэ нууц үг дахин</translation>
    </message>
    <message>
        <source>at least 8 characters</source>
        <translation>дор хаяж 8 тэмдэгт</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>Нууц үг солих</translation>
    </message>
</context>
<context>
    <name>PictureChip</name>
    <message>
        <source>The picture goes with your question only to an online model that can read pictures. Otherwise it stays on this computer and only its text is used.</source>
        <translation>Зураг асуулттай хамт зөвхөн зураг уншиж чаддаг онлайн загвар руу очно. Бусад үед энэ компьютерт үлдэж, зөвхөн текст нь ашиглагдана.</translation>
    </message>
    <message>
        <source>Remove the picture</source>
        <translation>Зургийг хасах</translation>
    </message>
</context>
<context>
    <name>PictureInputButton</name>
    <message>
        <source>Add a picture</source>
        <translation>Зураг нэмэх</translation>
    </message>
    <message>
        <source>Add a picture of a problem: its text is read on this computer and put in the box for you to check</source>
        <translation>Бодлогын зураг нэмэх: текстийг нь энэ компьютер дээр уншиж, шалгахад чинь бичих хэсэгт оруулна</translation>
    </message>
    <message>
        <source>Choose a picture</source>
        <translation>Зураг сонгох</translation>
    </message>
    <message>
        <source>Pictures (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)</source>
        <translation>Зургууд (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)</translation>
    </message>
    <message>
        <source>Reading the picture…</source>
        <translation>Зургийг уншиж байна…</translation>
    </message>
    <message>
        <source>Text from the picture is in the box: check it, correct it, then send.</source>
        <translation>Зургийн текст бичих хэсэгт орлоо: шалгаж, засаад илгээнэ үү.</translation>
    </message>
</context>
<context>
    <name>PinPad</name>
    <message>
        <source>Delete the last digit</source>
        <translation>Сүүлийн цифрийг арилгах</translation>
    </message>
    <message>
        <source>Delete the last digit (Backspace)</source>
        <translation>Сүүлийн цифрийг арилгах (Backspace)</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Нэвтрэх</translation>
    </message>
    <message>
        <source>Sign in (Enter)</source>
        <translation>Нэвтрэх (Enter)</translation>
    </message>
    <message>
        <source>PIN code: type the digits, then press Enter</source>
        <translation>ПИН код: цифрүүдээ бичээд Enter дарна уу</translation>
    </message>
</context>
<context>
    <name>PracticePage</name>
    <message>
        <source>← Back</source>
        <translation>← Буцах</translation>
    </message>
    <message>
        <source>Practise: %1</source>
        <translation>Дасгал: %1</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>Давталт</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Шалгах</translation>
    </message>
    <message>
        <source>Next →</source>
        <translation>Дараах →</translation>
    </message>
    <message>
        <source>Ask the tutor</source>
        <translation>Багшаас асуух</translation>
    </message>
    <message>
        <source>Type your answer</source>
        <translation>Хариултаа бичнэ үү</translation>
    </message>
</context>
<context>
    <name>ServicesSection</name>
    <message>
        <source>Saved. Checking the service now…</source>
        <translation>Хадгаллаа. Үйлчилгээг одоо шалгаж байна…</translation>
    </message>
    <message>
        <source>No model has taken the tutoring exam yet. It runs by itself when a model is loaded, or with `tutor models exam`.</source>
        <translation>Одоогоор ямар ч загвар багшийн шалгалт өгөөгүй байна. Загвар ачаалагдмагц шалгалт өөрөө явагдана, эсвэл `tutor models exam` гэж ажиллуулна.</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Хадгалагдлаа.</translation>
    </message>
    <message>
        <source>Services</source>
        <translation>Үйлчилгээнүүд</translation>
    </message>
    <message>
        <source>Online speech service</source>
        <translation>Онлайн яриа таних үйлчилгээ</translation>
    </message>
    <message>
        <source>For voice questions in a language this computer has no speech model for (there is no official Mongolian one). Ask the provider for the address and the key. The address must start with https://.</source>
        <translation>Энэ компьютерт яриа таних загвар байхгүй хэлээр дуугаар асуухад зориулсан (албан ёсны монгол загвар байхгүй). Хаяг, түлхүүрийг үйлчилгээ үзүүлэгчээс авна уу. Хаяг https://-ээр эхэлнэ.</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Хаяг</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Түлхүүр</translation>
    </message>
    <message>
        <source>unchanged</source>
        <translation>өөрчлөхгүй</translation>
    </message>
    <message>
        <source>Save and check</source>
        <translation>Хадгалаад шалгах</translation>
    </message>
    <message>
        <source>Set by IT in the computer&apos;s configuration file.</source>
        <translation>IT ажилтан компьютерын тохиргооны файлд тохируулсан.</translation>
    </message>
    <message>
        <source>Answers come from:</source>
        <translation>Хариулт өгөх загвар:</translation>
    </message>
    <message>
        <source>Local model first (works offline)</source>
        <translation>Эхлээд дотоод загвар (интернетгүй ажиллана)</translation>
    </message>
    <message>
        <source>Online model first when connected</source>
        <translation>Холбогдсон үед эхлээд онлайн загвар</translation>
    </message>
    <message>
        <source>Local model only</source>
        <translation>Зөвхөн дотоод загвар</translation>
    </message>
    <message>
        <source>If the first choice cannot answer, the other one does. With &quot;Local model only&quot;, questions never leave this computer.</source>
        <translation>Эхний сонголт хариулж чадахгүй бол нөгөө нь хариулна. &quot;Зөвхөн дотоод загвар&quot; сонгосон үед асуултууд энэ компьютерээс гарахгүй.</translation>
    </message>
    <message>
        <source>IT has fixed this setting for this computer; it cannot be changed here.</source>
        <translation>Энэ тохиргоог МТ-ийн ажилтан энэ компьютерт тогтоосон тул энд өөрчлөх боломжгүй.</translation>
    </message>
    <message>
        <source>Tutoring exam of the models</source>
        <translation>Загваруудын багшийн шалгалт</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Saved: the sign-in screen will start in this language.</source>
        <translation>Хадгаллаа: нэвтрэх дэлгэц энэ хэлээр эхэлнэ.</translation>
    </message>
    <message>
        <source>← Back</source>
        <translation>← Буцах</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Тохиргоо</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Хэл</translation>
    </message>
    <message>
        <source>Text size</source>
        <translation>Үсгийн хэмжээ</translation>
    </message>
    <message>
        <source>&amp;Size of the text on this computer:</source>
        <translation>Энэ компьютерын үсгийн &amp;хэмжээ:</translation>
    </message>
    <message>
        <source>Size of the text on this computer</source>
        <translation>Энэ компьютерын үсгийн хэмжээ</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Энгийн</translation>
    </message>
    <message>
        <source>Large</source>
        <translation>Том</translation>
    </message>
    <message>
        <source>Largest (projector)</source>
        <translation>Хамгийн том (проектор)</translation>
    </message>
    <message>
        <source>Use this language for everyone on this computer</source>
        <translation>Энэ компьютерийн бүх хэрэглэгчид энэ хэлийг ашиглах</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Гарах</translation>
    </message>
    <message>
        <source>Tutor Desktop, version {version}</source>
        <translation>Tutor Desktop, хувилбар {version}</translation>
    </message>
</context>
<context>
    <name>SetupPage</name>
    <message>
        <source>Welcome to Tutor Desktop</source>
        <translation>Tutor Desktop-д тавтай морилно уу</translation>
    </message>
    <message>
        <source>Let&apos;s set up this computer for your school.</source>
        <translation>Энэ компьютерийг сургуульдаа зориулж тохируулцгаая.</translation>
    </message>
    <message>
        <source>School name</source>
        <translation>Сургуулийн нэр</translation>
    </message>
    <message>
        <source>Your full name</source>
        <translation>Таны овог нэр</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Нэвтрэх нэр</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Нууц үг</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>Нууц үг (дахин)</translation>
    </message>
    <message>
        <source>Default language</source>
        <translation>Үндсэн хэл</translation>
    </message>
    <message>
        <source>At least 8 characters</source>
        <translation>Дор хаяж 8 тэмдэгт</translation>
    </message>
    <message>
        <source>Create the school</source>
        <translation>Сургууль үүсгэх</translation>
    </message>
    <message>
        <source>Please fill in every field.</source>
        <translation>Бүх талбарыг бөглөнө үү.</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>Хоёр нууц үг таарахгүй байна.</translation>
    </message>
</context>
<context>
    <name>SignInPage</name>
    <message>
        <source>Hello! Which class are you in?</source>
        <translation>Сайн уу! Чи аль ангид сурдаг вэ?</translation>
    </message>
    <message>
        <source>Tap your class.</source>
        <translation>Ангиа сонгоорой.</translation>
    </message>
    <message>
        <source>There are no classes yet. A teacher can add them: use the teacher sign-in below.</source>
        <translation>Одоогоор анги алга байна. Багш доорх холбоосоор нэвтэрч анги нэмнэ.</translation>
    </message>
    <message>
        <source>← Classes</source>
        <translation>← Ангиуд</translation>
    </message>
    <message>
        <source>Back (Esc)</source>
        <translation>Буцах (Esc)</translation>
    </message>
    <message>
        <source>Tap your name.</source>
        <translation>Нэрээ сонгоорой.</translation>
    </message>
    <message>
        <source>No students in this class yet. Ask your teacher.</source>
        <translation>Энэ ангид одоогоор сурагч алга. Багшаасаа асуугаарай.</translation>
    </message>
    <message>
        <source>← Names</source>
        <translation>← Нэрс</translation>
    </message>
    <message>
        <source>Type your secret PIN code.</source>
        <translation>Нууц ПИН кодоо оруулаарай.</translation>
    </message>
    <message>
        <source>← Back</source>
        <translation>← Буцах</translation>
    </message>
    <message>
        <source>Teacher sign-in</source>
        <translation>Багшийн нэвтрэлт</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Нэвтрэх нэр</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Нууц үг</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Нэвтрэх</translation>
    </message>
    <message>
        <source>Teacher or administrator? Sign in here</source>
        <translation>Багш эсвэл админ уу? Энд дарж нэвтэрнэ үү</translation>
    </message>
    <message>
        <source>Class {name}: who are you?</source>
        <translation>{name} анги: чи хэн бэ?</translation>
    </message>
    <message>
        <source>Hi, {name}!</source>
        <translation>Сайн уу, {name}!</translation>
    </message>
    <message>
        <source>Grade {grade}</source>
        <translation>{grade}-р анги</translation>
    </message>
</context>
<context>
    <name>StatusIndicator</name>
    <message>
        <source>Online via %1</source>
        <translation>%1-ээр онлайн</translation>
    </message>
    <message>
        <source>Local model</source>
        <translation>Дотоод загвар</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Офлайн</translation>
    </message>
</context>
<context>
    <name>StatusPanel</name>
    <message>
        <source>Service</source>
        <translation>Үйлчилгээ</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Төлөв</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Сүүлийн алдаа</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>Хариу өгөх хугацаа</translation>
    </message>
    <message>
        <source>Check now</source>
        <translation>Одоо шалгах</translation>
    </message>
    <message>
        <source>Local model</source>
        <translation>Дотоод загвар</translation>
    </message>
    <message>
        <source>Remote model: %1</source>
        <translation>Алсын загвар: %1</translation>
    </message>
    <message>
        <source>Speech recognition</source>
        <translation>Яриа таних</translation>
    </message>
    <message>
        <source>Sync service</source>
        <translation>Синхрончлолын үйлчилгээ</translation>
    </message>
    <message>
        <source>Working</source>
        <translation>Ажиллаж байна</translation>
    </message>
    <message>
        <source>Having problems</source>
        <translation>Асуудалтай</translation>
    </message>
    <message>
        <source>Not reachable</source>
        <translation>Холбогдох боломжгүй</translation>
    </message>
    <message>
        <source>Not available</source>
        <translation>Боломжгүй</translation>
    </message>
    <message>
        <source>API key rejected</source>
        <translation>API түлхүүр татгалзагдсан</translation>
    </message>
    <message>
        <source>Not checked yet</source>
        <translation>Хараахан шалгаагүй</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Ачаалж байна…</translation>
    </message>
    <message>
        <source>Not set up</source>
        <translation>Тохируулаагүй</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>түр зогссон</translation>
    </message>
</context>
<context>
    <name>StudentHomePage</name>
    <message>
        <source>Hello, {name}!</source>
        <translation>Сайн уу, {name}!</translation>
    </message>
    <message>
        <source>Class {name} · Grade {grade}</source>
        <translation>{name} анги · {grade}-р ангийн хөтөлбөр</translation>
    </message>
    <message>
        <source>What shall we learn today? Choose a subject.</source>
        <translation>Өнөөдөр юу сурах вэ? Хичээлээ сонгоорой.</translation>
    </message>
    <message>
        <source>My progress</source>
        <translation>Миний ахиц</translation>
    </message>
    <message>
        <source>%1 items to review today</source>
        <translation>Өнөөдөр давтах %1 дасгал байна</translation>
    </message>
</context>
<context>
    <name>StudentProgressDialog</name>
    <message>
        <source>Topic</source>
        <translation>Сэдэв</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Түвшин</translation>
    </message>
    <message>
        <source>Right</source>
        <translation>Зөв</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>Ярилцлагууд</translation>
    </message>
</context>
<context>
    <name>SyncSection</name>
    <message>
        <source>Same child: merge</source>
        <translation>Нэг хүүхэд: нэгтгэх</translation>
    </message>
    <message>
        <source>Two children</source>
        <translation>Хоёр өөр хүүхэд</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>Ойлголоо</translation>
    </message>
    <message>
        <source>Merged: the conversations and progress are now under one name.</source>
        <translation>Нэгтгэлээ: харилцан яриа, ахиц одоо нэг нэрийн дор байна.</translation>
    </message>
    <message>
        <source>Saved: questions and answers now sync to the school&apos;s other computers.</source>
        <translation>Хадгаллаа: асуулт, хариулт одоо сургуулийн бусад компьютертэй синк хийгдэнэ.</translation>
    </message>
    <message>
        <source>Saved: questions and answers stay on each computer.</source>
        <translation>Хадгаллаа: асуулт, хариулт компьютер бүр дээрээ үлдэнэ.</translation>
    </message>
    <message>
        <source>School sync</source>
        <translation>Сургуулийн синк</translation>
    </message>
    <message>
        <source>Send students&apos; questions and answers to the school&apos;s other computers</source>
        <translation>Сурагчдын асуулт, хариултыг сургуулийн бусад компьютерт илгээх</translation>
    </message>
    <message>
        <source>When off, conversations stay on the computer where they were written. Progress, class lists and safety cases still sync.</source>
        <translation>Унтраасан үед харилцан яриа бичигдсэн компьютер дээрээ үлдэнэ. Ахиц, ангийн жагсаалт, аюулгүй байдлын тохиолдлууд синк хийгдсээр байна.</translation>
    </message>
</context>
<context>
    <name>TeacherPage</name>
    <message>
        <source>Teacher area · {name}</source>
        <translation>Багшийн хэсэг · {name}</translation>
    </message>
    <message>
        <source>Students</source>
        <translation>Сурагчид</translation>
    </message>
    <message>
        <source>Teachers</source>
        <translation>Багш нар</translation>
    </message>
    <message>
        <source>Library</source>
        <translation>Номын сан</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Ахиц</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>Анги</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Нэр</translation>
    </message>
    <message>
        <source>PIN code</source>
        <translation>ПИН код</translation>
    </message>
    <message>
        <source>Add a student</source>
        <translation>Сурагч нэмэх</translation>
    </message>
    <message>
        <source>4-6 digits</source>
        <translation>4-6 оронтой тоо</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Нэмэх</translation>
    </message>
    <message>
        <source>Import CSV…</source>
        <translation>CSV файлаас оруулах…</translation>
    </message>
    <message>
        <source>Reset PIN</source>
        <translation>ПИН код солих</translation>
    </message>
    <message>
        <source>Select a student in the list, type a new PIN.</source>
        <translation>Жагсаалтаас сурагчаа сонгоод шинэ ПИН код оруулна уу.</translation>
    </message>
    <message>
        <source>New PIN</source>
        <translation>Шинэ ПИН код</translation>
    </message>
    <message>
        <source>Class settings</source>
        <translation>Ангийн тохиргоо</translation>
    </message>
    <message>
        <source>Students may sign in without a PIN</source>
        <translation>Сурагчид ПИН кодгүй нэвтэрч болно</translation>
    </message>
    <message>
        <source>Warning: without a PIN, anyone at this computer can sign in as these students and read their conversations.</source>
        <translation>Анхааруулга: ПИН кодгүй бол энэ компьютер дээр хэн ч эдгээр сурагчийн нэрээр нэвтэрч, тэдний яриаг уншиж чадна.</translation>
    </message>
    <message>
        <source>Questions per student per day</source>
        <translation>Нэг сурагчийн өдөрт асуух асуултын тоо</translation>
    </message>
    <message>
        <source>Questions per student per minute</source>
        <translation>Нэг сурагчийн минутад асуух асуултын тоо</translation>
    </message>
    <message>
        <source>Voice recordings per student per minute</source>
        <translation>Нэг сурагчийн минутад хийх дуу бичлэгийн тоо</translation>
    </message>
    <message>
        <source>Save settings</source>
        <translation>Тохиргоог хадгалах</translation>
    </message>
    <message>
        <source>New class</source>
        <translation>Шинэ анги</translation>
    </message>
    <message>
        <source>Class name, e.g. 7A</source>
        <translation>Ангийн нэр, жишээ нь 7А</translation>
    </message>
    <message>
        <source>Grade (1-12)</source>
        <translation>Анги (1-12)</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Үүсгэх</translation>
    </message>
    <message>
        <source>Add a teacher</source>
        <translation>Багш нэмэх</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>Овог нэр</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Нэвтрэх нэр</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Нууц үг</translation>
    </message>
    <message>
        <source>Add teacher</source>
        <translation>Багш нэмэх</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>Ангиуд</translation>
    </message>
    <message>
        <source>Select a teacher in the list and a class:</source>
        <translation>Жагсаалтаас багш, дараа нь анги сонгоно уу:</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>Оноох</translation>
    </message>
    <message>
        <source>New password for the selected teacher</source>
        <translation>Сонгосон багшийн шинэ нууц үг</translation>
    </message>
    <message>
        <source>Set password</source>
        <translation>Нууц үг тохируулах</translation>
    </message>
    <message>
        <source>(no class yet)</source>
        <translation>(одоохондоо ангигүй)</translation>
    </message>
    <message>
        <source>{name} (grade {grade})</source>
        <translation>{name} ({grade}-р анги)</translation>
    </message>
    <message>
        <source>Needs attention</source>
        <translation>Анхаарал шаардсан</translation>
    </message>
    <message>
        <source>No PIN</source>
        <translation>ПИН кодгүй</translation>
    </message>
    <message>
        <source>Set</source>
        <translation>Тохируулсан</translation>
    </message>
    <message>
        <source>All classes (admin)</source>
        <translation>Бүх анги (админ)</translation>
    </message>
    <message>
        <source>The password of {name} was changed. Tell them the new one; they can change it in Settings.</source>
        <translation>{name}-ийн нууц үг солигдлоо. Шинэ нууц үгийг нь хэлээрэй; тэр Тохиргоо хэсэгт өөрөө сольж болно.</translation>
    </message>
    <message>
        <source>Type the student&apos;s name first.</source>
        <translation>Эхлээд сурагчийн нэрийг бичнэ үү.</translation>
    </message>
    <message>
        <source>{name} was added.</source>
        <translation>{name} нэмэгдлээ.</translation>
    </message>
    <message>
        <source>Select a student in the list first.</source>
        <translation>Эхлээд жагсаалтаас сурагч сонгоно уу.</translation>
    </message>
    <message>
        <source>The PIN of {name} was changed.</source>
        <translation>ПИН код солигдлоо: {name}.</translation>
    </message>
    <message>
        <source>Choose a class list</source>
        <translation>Ангийн жагсаалт сонгох</translation>
    </message>
    <message>
        <source>Class lists (*.csv);;All files (*)</source>
        <translation>Ангийн жагсаалт (*.csv);;Бүх файл (*)</translation>
    </message>
    <message>
        <source>Cannot read that file: {error}</source>
        <translation>Файлыг уншиж чадсангүй: {error}</translation>
    </message>
    <message>
        <source>{count} students were added.</source>
        <translation>{count} сурагч нэмэгдлээ.</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>Тохиргоо хадгалагдлаа.</translation>
    </message>
    <message>
        <source>Type the class name first.</source>
        <translation>Эхлээд ангийн нэрийг бичнэ үү.</translation>
    </message>
    <message>
        <source>Class {name} was created.</source>
        <translation>{name} анги үүслээ.</translation>
    </message>
    <message>
        <source>Please fill in every field.</source>
        <translation>Бүх талбарыг бөглөнө үү.</translation>
    </message>
    <message>
        <source>{name} can now sign in.</source>
        <translation>{name} одоо нэвтэрч болно.</translation>
    </message>
    <message>
        <source>Select a teacher in the list first.</source>
        <translation>Эхлээд жагсаалтаас багш сонгоно уу.</translation>
    </message>
    <message>
        <source>An admin already manages every class.</source>
        <translation>Админ бүх ангийг аль хэдийн удирддаг.</translation>
    </message>
    <message>
        <source>{name} now teaches {class_name}.</source>
        <translation>{name} одоо {class_name} ангид хичээл заана.</translation>
    </message>
</context>
<context>
    <name>TopicChooser</name>
    <message>
        <source>Choose topics</source>
        <translation>Сэдэв сонгох</translation>
    </message>
    <message>
        <source>%1 topics</source>
        <translation>%1 сэдэв</translation>
    </message>
    <message>
        <source>Topics of the practice set</source>
        <translation>Даалгаврын сэдвүүд</translation>
    </message>
</context>
<context>
    <name>TopicEditor</name>
    <message>
        <source>Asking the model…</source>
        <translation>Загвараас асууж байна…</translation>
    </message>
    <message>
        <source>Edit answer</source>
        <translation>Хариултыг засах</translation>
    </message>
    <message>
        <source>hidden</source>
        <translation>нуусан</translation>
    </message>
    <message>
        <source>Rename topic</source>
        <translation>Сэдвийн нэр солих</translation>
    </message>
    <message>
        <source>New name:</source>
        <translation>Шинэ нэр:</translation>
    </message>
    <message>
        <source>Topics</source>
        <translation>Сэдвүүд</translation>
    </message>
    <message>
        <source>Topic</source>
        <translation>Сэдэв</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>Хуудас</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>Нэр солих</translation>
    </message>
    <message>
        <source>Merge into first</source>
        <translation>Эхнийхтэй нэгтгэх</translation>
    </message>
    <message>
        <source>Hide / show</source>
        <translation>Нуух / харуулах</translation>
    </message>
    <message>
        <source>More items from a model</source>
        <translation>Загвараас нэмэлт дасгал</translation>
    </message>
    <message>
        <source>A capable model proposes gap-fill items for the selected topics; only those quoting the textbook word for word are added</source>
        <translation>Чадвартай загвар сонгосон сэдвүүдэд нөхөх дасгал санал болгоно; сурах бичгийг үг үсгээр нь яг иш татсан нь л нэмэгдэнэ</translation>
    </message>
</context>
<context>
    <name>VoiceInputButton</name>
    <message>
        <source>This computer cannot understand spoken Mongolian yet: please type your question. A teacher can add a speech service in Settings.</source>
        <translation>Энэ компьютер монгол яриаг одоогоор ойлгохгүй: асуултаа бичээрэй. Багш Тохиргоо хэсэгт яриа таних үйлчилгээ нэмж болно.</translation>
    </message>
    <message>
        <source>This computer cannot understand spoken English yet: please type your question. A teacher can add a speech service in Settings.</source>
        <translation>Энэ компьютер англи яриаг одоогоор ойлгохгүй: асуултаа бичээрэй. Багш Тохиргоо хэсэгт яриа таних үйлчилгээ нэмж болно.</translation>
    </message>
    <message>
        <source>Checking the microphone…</source>
        <translation>Микрофоныг шалгаж байна…</translation>
    </message>
    <message>
        <source>Release (or click) to stop recording.</source>
        <translation>Бичлэгийг зогсоохын тулд товчоо суллаарай (эсвэл дахин дараарай).</translation>
    </message>
    <message>
        <source>Speak your question</source>
        <translation>Асуултаа хэлээрэй</translation>
    </message>
    <message>
        <source>Recognise a recorded WAV file</source>
        <translation>Бичсэн WAV файлыг текст болгох</translation>
    </message>
    <message>
        <source>Listening…</source>
        <translation>Сонсож байна…</translation>
    </message>
    <message>
        <source>Recognising…</source>
        <translation>Текст болгож байна…</translation>
    </message>
    <message>
        <source>Import a recording</source>
        <translation>Бичлэг оруулах</translation>
    </message>
    <message>
        <source>WAV recordings (*.wav)</source>
        <translation>WAV бичлэг (*.wav)</translation>
    </message>
    <message>
        <source>Listen to a recording…</source>
        <translation>Бичсэн дуугаа сонсгох…</translation>
    </message>
    <message>
        <source>Check the microphone again</source>
        <translation>Микрофоныг дахин шалгах</translation>
    </message>
</context>
</TS>
