"""The tutor: one question in, a streamed, stored, grounded answer out.

Everything the window and the terminal share lives here, so both behave the
same: daily limit, safety check, conversation storage, retrieval of textbook
passages, prompt assembly within the context window, streaming, and saving the
answer as it grows (a crash mid-answer leaves it stored as ``partial``).

Call :meth:`TutorService.ask` from a worker thread: it blocks while the model
loads and while it generates.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tutor_desktop.core.accounts import AccountService, Actor, Session, require_staff
from tutor_desktop.core.cache import ResponseCache
from tutor_desktop.core.cache import tutor_hook as cache_hook
from tutor_desktop.core.conversations import Conversation, ConversationStore, Message
from tutor_desktop.core.errors import EmptyQuestion, NotAllowed, QuestionTooLong, SessionExpired
from tutor_desktop.core.grounding import service_hooks as grounding
from tutor_desktop.core.grounding.passages import clip as _clip
from tutor_desktop.core.grounding.text import answer_matches
from tutor_desktop.core.grounding.tutor import BACKEND as TEXTBOOK_BACKEND
from tutor_desktop.core.grounding.tutor import HINT_STEPS, TextbookAnswer, TextbookTutor
from tutor_desktop.core.i18n import Notice, TutorError, tr
from tutor_desktop.core.llm import vision
from tutor_desktop.core.llm.backend import (
    BackendError,
    BackendProvider,
    BackendUnavailable,
    ChatBackend,
    ChatMessage,
    Completion,
    ContextOverflow,
)
from tutor_desktop.core.retrieval.types import Hit, Retriever
from tutor_desktop.core.safety import SafetyGuard
from tutor_desktop.core.subjects import canonical_subject
from tutor_desktop.core.tutor.context import fit_conversation, prompt_budget, topic_line
from tutor_desktop.core.tutor.limits import DailyLimit, DailyUsage
from tutor_desktop.core.tutor.prompts import PromptLibrary, fill

log = logging.getLogger(__name__)

DeltaCallback = Callable[[str], None]
# Called once per answer, before the model starts, with the passages it will see (each
# a :func:`passage_record`): the window shows the textbook's words while the model writes.
SourcesCallback = Callable[[list[dict[str, Any]]], None]
SAVE_EVERY_S = 1.0
REVEAL_AFTER_ATTEMPTS = 3      # Socratic mode: full solution allowed from the 3rd question on
PASSAGES_K = 4
PASSAGE_CHARS = 700
SAFETY_BACKEND = "safety"


@dataclass
class TutorReply:
    """The outcome of one answer, for the UI, the terminal and ``tutor ask --json``."""

    text: str
    status: str                    # complete | partial | error | refused | cached
    backend: str = ""
    model: str = ""
    finish_reason: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    citations: list[dict[str, Any]] = field(default_factory=list)
    # Remarks to show under the answer, as message ids: the window and the terminal
    # translate them into the reader's language.
    notices: list[Notice] = field(default_factory=list)
    error: Notice | None = None   # why no backend could answer (status "error")
    conversation_id: str | None = None
    message_id: str | None = None
    # The cited passages with their words (same order as ``citations``), so the student
    # sees the textbook's own text even when the model answers poorly.
    passages: list[dict[str, Any]] = field(default_factory=list)
    # Set when the safety check answered instead of the model, or replaced its text
    # ({"category", "score", "source", "distress"}).
    safety: dict[str, Any] | None = None
    # A picture went with the question to a remote model that reads pictures
    # (core/llm/vision.py); False when it stayed on this PC.
    picture_sent: bool = False


def passage_record(hit: Hit) -> dict[str, Any]:
    """A cited passage as plain data: the citation's keys plus where and what it says."""
    return {**hit.citation(), "page_end": hit.page_end, "textbook_id": hit.textbook_id,
            "heading": hit.heading, "text": hit.text}


def title_for(question: str) -> str:
    """A conversation title from its first question."""
    return topic_line(question, 60)


class TutorService:
    def __init__(self, conversations: ConversationStore, accounts: AccountService,
                 backends: BackendProvider, *, retriever: Retriever | None = None,
                 cache: ResponseCache | None = None,
                 prompts: PromptLibrary | None = None, safety: SafetyGuard | None = None,
                 limit: DailyLimit | None = None, max_new_tokens: int = 1024,
                 temperature: float = 0.3,
                 may_write: Callable[[str], bool] | None = None,
                 weak_topics: Callable[[Session, str], Sequence[str]] | None = None) -> None:
        self.conversations = conversations
        self.accounts = accounts
        self.backends = backends        # the router (local and remote models by policy)
        self.retriever = retriever      # textbook passages; None answers without them
        self.cache = cache              # answers to common first questions; None: no cache
        self.prompts = prompts or PromptLibrary()
        self.safety = safety or SafetyGuard()  # patterns only when built without one
        self.limit = limit or DailyLimit(accounts, conversations)
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        # The textbook tutor answers when the model may not (core/grounding): the exam's
        # verdict per model name; None lets every model write (tests of raw streaming).
        self.textbook = TextbookTutor()
        self.may_write = may_write
        # Learning progress (core/progress): the student's weak topics of the subject, named
        # in the prompt; such an answer is personalised and never enters the cache.
        self.weak_topics = weak_topics

    # -- conversations -------------------------------------------------------
    def start_conversation(self, session: Session, *, subject: str = "",
                           grade: int | None = None, language: str | None = None,
                           mode: str = "socratic") -> Conversation:
        if grade is None and session.user.class_id:
            grade = self.accounts.get_class(session.user.class_id).grade
        return self.conversations.create(session, subject=subject, grade=grade,
                                         language=language or session.user.language, mode=mode)

    def usage(self, session: Session) -> DailyUsage:
        return self.limit.usage(session)

    # -- answering -----------------------------------------------------------
    def ask(self, session: Session, conversation_id: str, question: str, *,
            on_delta: DeltaCallback | None = None, stop_event: threading.Event | None = None,
            prefer: str = "auto", max_tokens: int | None = None,
            on_sources: SourcesCallback | None = None,
            image: bytes | None = None) -> TutorReply:
        """Store the student's question, answer it (streaming) and store the answer.

        ``image``: the picture the student added (any image format). It goes with the
        question only to a remote model that reads pictures, is never stored or cached,
        and a notice under the answer says whether it left this PC (core/llm/vision.py).

        Raises :class:`EmptyQuestion`, :class:`QuestionTooLong` (neither is stored),
        :class:`DailyLimitReached`, :class:`SessionExpired` or :class:`NotAllowed`;
        model problems come back as a reply with status ``error``, the reason in
        ``reply.error`` (a message id) and a translated text stored for the student.
        """
        _require_active(session)
        question = question.strip()
        if not question:
            raise EmptyQuestion()
        picture = vision.prepare_picture(image) if image else None  # before anything is stored
        conv = self.conversations.get(session, conversation_id)
        self.limit.check(session)
        self.safety.before_question(session)  # per-minute fair use (RateLimited)
        asked = self.conversations.add_message(session, conv.id, "user", question)
        if not conv.title:
            self.conversations.rename(session, conv.id, title_for(question))
        earlier = self.conversations.messages(session, conv.id)[:-1]
        ladder = grounding.ladder_state(earlier)
        if ladder.awaiting and grounding.looks_like_attempt(question):
            # The student answers a hint: checked against the textbook, next step given.
            reply = self._attempt(session, conv, ladder, question, on_delta, on_sources)
            return vision.with_picture_notice(reply, picture)
        history = _as_chat(earlier)
        try:
            reply = self._answer(session, conv, history, question, on_delta, stop_event, prefer,
                                 max_tokens, on_sources, use_cache=picture is None,
                                 picture=picture)
            return vision.with_picture_notice(reply, picture)
        except (QuestionTooLong, ContextOverflow):
            # Refused before any answer: do not keep it or count it against the limit.
            self.conversations.delete_message(session, asked.id)
            raise

    def regenerate(self, session: Session, conversation_id: str, *,
                   on_delta: DeltaCallback | None = None,
                   stop_event: threading.Event | None = None, prefer: str = "auto",
                   max_tokens: int | None = None,
                   on_sources: SourcesCallback | None = None) -> TutorReply:
        """Replace the answer to the last question with a new one (not counted as a question)."""
        _require_active(session)
        conv = self.conversations.get(session, conversation_id)
        messages = self.conversations.messages(session, conv.id)
        last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
        if last_user is None:
            raise NotAllowed()
        old_answers = messages[last_user + 1:]
        history = _as_chat(messages[:last_user])
        # A new answer, never the cached one again (and not counted as another ask).
        reply = self._answer(session, conv, history, messages[last_user].content, on_delta,
                             stop_event, prefer, max_tokens, on_sources, use_cache=False,
                             record_safety=False)
        nothing_better = reply.status == "error" or (
            grounding.NO_MODEL_NOTICE in reply.notices and not reply.citations)
        if nothing_better and any(m.content for m in old_answers):
            # Keep the answer the student had rather than replace it with an error (or, with
            # no model, with the textbook's "not found").
            if reply.message_id:
                self.conversations.delete_message(session, reply.message_id)
            return reply
        for message in old_answers:
            self.conversations.delete_message(session, message.id)
        return reply

    def answer_once(self, actor: Actor | None, question: str, *, grade: int | None = None,
                    subject: str = "",
                    language: str = "mn", mode: str = "socratic",
                    on_delta: DeltaCallback | None = None,
                    stop_event: threading.Event | None = None, prefer: str = "auto",
                    max_tokens: int | None = None,
                    on_sources: SourcesCallback | None = None) -> TutorReply:
        """Answer one question without a student or a stored conversation (``tutor ask``).

        Staff only (``NotAllowed``; ``SessionExpired`` for a session that ran out), or
        :data:`~tutor_desktop.core.accounts.SYSTEM` for IT checking a PC in-process: the
        answer skips the student's daily limit and leaves no record a teacher could read,
        so a student must never reach it, by the window, the terminal or the socket."""
        require_staff(actor)
        verdict = self.safety.check(question)
        if verdict is not None:
            text = verdict.reply(language)
            if on_delta:
                on_delta(text)
            return TutorReply(text, "refused", backend=SAFETY_BACKEND, finish_reason="stop",
                              safety=verdict.as_dict())
        try:
            backend = self.backends.backend(prefer)
        except BackendUnavailable as exc:
            if prefer != "auto":
                return TutorReply(exc.message(language), "error", finish_reason="error")
            # No model on this PC: the textbook still teaches.
            hits, notices = self._retrieve(question, grade, subject, language)
            answer = self.textbook.answer(question, [grounding.passage_of(h) for h in hits],
                                          language, subject=canonical_subject(subject))
            return self._textbook_reply(answer, hits, [*notices, grounding.NO_MODEL_NOTICE],
                                        on_delta, on_sources)
        hits, notices = self._retrieve(question, grade, subject, language)
        if not grounding.model_may_write(self.may_write, backend, prefer):
            answer = self.textbook.answer(question, [grounding.passage_of(h) for h in hits],
                                          language, subject=canonical_subject(subject))
            return self._textbook_reply(answer, hits, notices, on_delta, on_sources)
        messages, hits = self._prompt(backend, [], question, mode, language, grade, subject,
                                      hits, attempts=1, max_tokens=max_tokens)
        reply = TutorReply("", "partial", backend.name, backend.model, notices=notices,
                           citations=[h.citation() for h in hits],
                           passages=[passage_record(h) for h in hits])
        if on_sources:
            on_sources(list(reply.passages))
        self._stream(backend, messages, reply, on_delta, stop_event, max_tokens, None, language,
                     quiet_failure=prefer == "auto")
        self._textbook_if_empty(reply, question, hits, language, subject, on_delta)
        return reply

    # -- internals -----------------------------------------------------------
    def _history(self, session: Session, conversation_id: str) -> list[ChatMessage]:
        return _as_chat(self.conversations.messages(session, conversation_id))

    def _answer(self, session: Session, conv: Conversation, history: list[ChatMessage],
                question: str, on_delta: DeltaCallback | None,
                stop_event: threading.Event | None, prefer: str,
                max_tokens: int | None, on_sources: SourcesCallback | None = None,
                use_cache: bool = True, record_safety: bool = True,
                picture: bytes | None = None) -> TutorReply:
        language = conv.language
        verdict = self.safety.check(question)
        if verdict is not None:
            text = verdict.reply(language)
            stored = self.conversations.add_message(session, conv.id, "assistant", text,
                                                    backend=SAFETY_BACKEND)
            if record_safety:
                self.safety.record(session, verdict, question, conv.id)  # the teacher is told
            if on_delta:
                on_delta(text)
            return TutorReply(text, "refused", backend=SAFETY_BACKEND, finish_reason="stop",
                              conversation_id=conv.id, message_id=stored.id,
                              safety=verdict.as_dict())
        try:
            backend = self.backends.backend(prefer)
        except BackendUnavailable as exc:
            if prefer == "auto":    # no model on this PC: the textbook still teaches
                hits, notices = self._retrieve(question, conv.grade, conv.subject, language)
                answer = self.textbook.answer(question, [grounding.passage_of(h) for h in hits],
                                              language, subject=canonical_subject(conv.subject))
                return self._textbook_reply(answer, hits, [*notices, grounding.NO_MODEL_NOTICE],
                                            on_delta, on_sources, session=session, conv=conv)
            text = exc.message(language)
            stored = self.conversations.add_message(session, conv.id, "assistant", text,
                                                    status="error")
            if on_delta:
                on_delta(text)
            return TutorReply(text, "error", finish_reason="error", conversation_id=conv.id,
                              message_id=stored.id)
        hits, notices = self._retrieve(question, conv.grade, conv.subject, language)
        if not grounding.model_may_write(self.may_write, backend, prefer):
            answer = self.textbook.answer(question, [grounding.passage_of(h) for h in hits],
                                          language, subject=canonical_subject(conv.subject))
            return self._textbook_reply(answer, hits, notices, on_delta, on_sources,
                                        session=session, conv=conv)
        attempts = sum(1 for m in history if m.role == "user") + 1
        # A student's weak spots are their learning record: named only to a model on this
        # PC, never sent to an online provider with the question.
        weak = self._weak_topics(session, conv) if backend.name == "local" else []
        messages, hits = self._prompt(backend, history, question, conv.mode, language,
                                      conv.grade, conv.subject, hits, attempts=attempts,
                                      max_tokens=max_tokens, weak=weak)
        if picture is not None:  # this turn only: never stored, never in a later prompt
            messages[-1] = replace(messages[-1], images=(picture,))
        citations = [h.citation() for h in hits]
        passages = [passage_record(h) for h in hits]
        if on_sources:
            on_sources(list(passages))
        cache = self.cache if use_cache else None
        cache_query = cache_hook.query_for(session, conv, history, question)
        cached = cache_hook.lookup(cache, cache_query, backend)
        if cached is not None:  # a common first question answered before
            stored = self.conversations.add_message(
                session, conv.id, "assistant", cached.answer, status="cached", backend="cache",
                model=cached.model, citations=citations)
            if on_delta:
                on_delta(cached.answer)
            return TutorReply(cached.answer, "cached", "cache", cached.model, "stop",
                              citations=citations, passages=passages,
                              notices=[*notices, Notice("cached_answer",
                                                        {"model": cached.model})],
                              conversation_id=conv.id, message_id=stored.id)
        stored = self.conversations.add_message(session, conv.id, "assistant", "",
                                                status="partial", backend=backend.name,
                                                model=backend.model, citations=citations)
        reply = TutorReply("", "partial", backend.name, backend.model, citations=citations,
                           notices=notices, conversation_id=conv.id, message_id=stored.id,
                           passages=passages)

        def save(text: str, status: str, completion: Completion | None) -> None:
            self.conversations.update_message(
                session, stored.id, text, status=status,
                prompt_tokens=completion.prompt_tokens if completion else None,
                completion_tokens=completion.completion_tokens if completion else None,
                backend=(completion.backend or None) if completion else None,
                model=(completion.model or None) if completion else None)

        self._stream(backend, messages, reply, on_delta, stop_event, max_tokens, save, language,
                     quiet_failure=prefer == "auto")
        if self._textbook_if_empty(reply, question, hits, language, conv.subject, on_delta):
            self.conversations.update_message(session, stored.id, reply.text, status="complete",
                                              backend=TEXTBOOK_BACKEND,
                                              model=grounding.ANSWER_MODEL,
                                              citations=reply.citations)
            return reply
        if weak:  # the prompt named this student's weak topics: a personalised answer
            cache_query = replace(cache_query, personalised=True)
        cache_hook.remember(cache, cache_query, backend, text=reply.text, model=reply.model,
                            status=reply.status, finish_reason=reply.finish_reason)
        return reply

    def _weak_topics(self, session: Session, conv: Conversation) -> list[str]:
        """A problem reading progress must never stop an answer: then none are named."""
        if self.weak_topics is None:
            return []
        try:
            return list(self.weak_topics(session, conv.subject))
        except Exception:
            log.exception("could not read the student's weak topics")
            return []

    def _retrieve(self, question: str, grade: int | None, subject: str,
                  language: str) -> tuple[list[Hit], list[Notice]]:
        if self.retriever is None:
            return [], []
        try:
            hits = self.retriever.search(question, grade=grade, subject=subject or None,
                                         language=language, k=grounding.RETRIEVE_K)
        except Exception:  # a broken index must not stop the tutor
            log.exception("retrieval failed")
            hits = []
        # Only passages about the question are cited (relevance floor, core/grounding).
        hits, notices = grounding.cited_hits(question, hits, subject, language, PASSAGES_K)
        return hits, notices + ([] if hits else [Notice("tutor_no_sources")])

    # -- the textbook tutor (core/grounding) -----------------------------------
    def hint(self, session: Session, conversation_id: str, *,
             on_delta: DeltaCallback | None = None,
             on_sources: SourcesCallback | None = None) -> TutorReply:
        """The next step of the hint ladder for the conversation's last question."""
        _require_active(session)
        conv = self.conversations.get(session, conversation_id)
        ladder = grounding.ladder_state(self.conversations.messages(session, conv.id))
        language = conv.language
        if not ladder.question or ladder.step >= HINT_STEPS:
            text = tr("textbook_no_more_hints" if ladder.question else "textbook_no_question",
                      language)
            if on_delta:
                on_delta(text)
            return TutorReply(text, "complete", TEXTBOOK_BACKEND, finish_reason="stop",
                              conversation_id=conv.id)
        hits, notices = self._retrieve(ladder.question, conv.grade, conv.subject, language)
        answer = self.textbook.hint(ladder.question, [grounding.passage_of(h) for h in hits],
                                    ladder.step + 1, language,
                                    subject=canonical_subject(conv.subject))
        return self._textbook_reply(answer, hits, notices, on_delta, on_sources,
                                    session=session, conv=conv)

    def _attempt(self, session: Session, conv: Conversation, ladder: grounding.LadderState,
                 attempt: str, on_delta: DeltaCallback | None,
                 on_sources: SourcesCallback | None) -> TutorReply:
        language = conv.language
        subject = canonical_subject(conv.subject)
        hits, notices = self._retrieve(ladder.question, conv.grade, conv.subject, language)
        passages = [grounding.passage_of(h) for h in hits]
        point = self.textbook.key_point(ladder.question, passages, subject)
        right = point is not None and answer_matches(attempt, point.term)
        answer = self.textbook.hint(ladder.question, passages,
                                    HINT_STEPS if right else ladder.step + 1, language,
                                    subject=subject)
        verdict = self.textbook.check(attempt, point.term if point else "", language)[1]
        answer.text = f"{verdict}\n\n{answer.text}"
        return self._textbook_reply(answer, hits, notices, on_delta, on_sources,
                                    session=session, conv=conv)

    def _textbook_reply(self, answer: TextbookAnswer, hits: list[Hit], notices: list[Notice],
                        on_delta: DeltaCallback | None, on_sources: SourcesCallback | None, *,
                        session: Session | None = None,
                        conv: Conversation | None = None) -> TutorReply:
        """A textbook tutor's answer or hint as a reply (stored when in a conversation)."""
        quoted = {s.chunk_id for s in answer.sources}
        cited = [h for h in hits if h.chunk_id in quoted]
        citations = [h.citation() for h in cited]
        passages = [passage_record(h) for h in cited]
        model = (grounding.HINT_MODEL.format(step=answer.step) if answer.step and answer.found
                 else grounding.ANSWER_MODEL)
        notes = [n for n in notices
                 if n.message_id != "tutor_no_sources" and n not in answer.notices]
        reply = TutorReply(answer.text, "complete", TEXTBOOK_BACKEND, model, "stop",
                           citations=citations, passages=passages,
                           notices=[*notes, *answer.notices])
        if on_sources:
            on_sources(list(passages))
        if session is not None and conv is not None:
            stored = self.conversations.add_message(session, conv.id, "assistant", answer.text,
                                                    backend=TEXTBOOK_BACKEND, model=model,
                                                    citations=citations)
            reply.conversation_id, reply.message_id = conv.id, stored.id
        if on_delta:
            on_delta(answer.text)
        return reply

    def _textbook_if_empty(self, reply: TutorReply, question: str, hits: list[Hit],
                           language: str, subject: str,
                           on_delta: DeltaCallback | None) -> bool:
        """The model said nothing usable (its echo guard cut it off), or no model could
        answer at all (none installed, none loads) before a word was shown: the textbook
        answers."""
        failed = reply.status == "error" and reply.finish_reason == grounding.FAILED_QUIETLY
        if not failed and (reply.status != "complete" or reply.text.strip()):
            return False
        answer = self.textbook.answer(question, [grounding.passage_of(h) for h in hits],
                                      language, subject=canonical_subject(subject))
        reply.text, reply.backend, reply.model = (answer.text, TEXTBOOK_BACKEND,
                                                  grounding.ANSWER_MODEL)
        # Cited: what the textbook tutor quoted (as when it answers in the first place).
        quoted = {s.chunk_id for s in answer.sources}
        reply.citations = [h.citation() for h in hits if h.chunk_id in quoted]
        reply.passages = [passage_record(h) for h in hits if h.chunk_id in quoted]
        if failed:
            reply.status, reply.finish_reason, reply.error = "complete", "stop", None
            reply.notices.append(grounding.NO_MODEL_NOTICE)
        if on_delta:
            on_delta(answer.text)
        return True

    def _prompt(self, backend: ChatBackend, history: Sequence[ChatMessage], question: str,
                mode: str, language: str, grade: int | None, subject: str, hits: list[Hit], *,
                attempts: int, max_tokens: int | None,
                weak: Sequence[str] = ()) -> tuple[list[ChatMessage], list[Hit]]:
        """The messages to send and the passages that fit (lowest-ranked dropped first)."""
        words = self.prompts.context(language)
        system = self.prompts.system_prompt(mode, language, grade, subject)
        budget = prompt_budget(backend.context_window, max_tokens or self.max_new_tokens)

        def summarise(questions: list[str]) -> str:
            topics = "; ".join(topic_line(q, 40) for q in questions[-6:])
            return fill(words["earlier_summary"], topics=topics)

        for used in range(len(hits), -1, -1):
            newest = self._newest(question, hits[:used], words, mode, attempts, weak)
            try:
                fitted = fit_conversation(system, history, newest, budget=budget,
                                          count=backend.count_tokens, summarise=summarise)
            except TutorError:
                if used == 0:
                    raise
                continue
            return fitted.messages, hits[:used]
        raise QuestionTooLong()  # pragma: no cover - the loop ends in raise

    def _newest(self, question: str, hits: list[Hit], words: dict[str, str], mode: str,
                attempts: int, weak: Sequence[str] = ()) -> ChatMessage:
        """The student's question wrapped with passages and notes (this turn only: the
        weak topics change as the student practises, the system prompt must not)."""
        parts: list[str] = []
        if weak:
            parts += [fill(words["weak_topics"], topics="; ".join(weak)), ""]
        if hits:
            parts.append(words["passages_header"])
            parts += [fill(words["passage_line"], n=i, book=h.book, page=h.page_label,
                           text=_clip(h.text, PASSAGE_CHARS)) for i, h in enumerate(hits, 1)]
            parts.append("")
        elif self.retriever is not None:
            parts += [words["no_passages"], ""]
        parts.append(f"{words['question_label']} {question}" if parts else question)
        if mode == "socratic" and attempts >= REVEAL_AFTER_ATTEMPTS:
            parts += ["", words["solution_allowed"]]
        return ChatMessage("user", "\n".join(parts))

    def _stream(self, backend: ChatBackend, messages: list[ChatMessage], reply: TutorReply,
                on_delta: DeltaCallback | None, stop_event: threading.Event | None,
                max_tokens: int | None,
                save: Callable[[str, str, Completion | None], None] | None,
                language: str, quiet_failure: bool = False) -> None:
        """Stream the answer into ``reply`` (and ``save``). ``quiet_failure``: when no
        backend can answer before a word is shown, say nothing and mark the reply
        (``finish_reason`` :data:`~.service_hooks.FAILED_QUIETLY`): the caller answers
        from the textbook instead of printing an error."""
        pieces: list[str] = []
        last_save = time.monotonic()
        completion: Completion | None = None
        try:
            screen = self.safety.answer_screen()
            for delta in backend.stream(messages, max_tokens=max_tokens or self.max_new_tokens,
                                        temperature=self.temperature, stop_event=stop_event):
                if delta.completion is not None:
                    completion = delta.completion
                    continue
                pieces.append(delta.text)
                if screen.blocks(delta.text):
                    break  # unsafe words from the model: nothing more reaches the student
                if on_delta:
                    on_delta(delta.text)
                if save and time.monotonic() - last_save >= SAVE_EVERY_S:
                    save("".join(pieces), "partial", None)
                    last_save = time.monotonic()
        except (BackendError, BackendUnavailable) as exc:
            # A router may only find out mid-stream that no backend can answer.
            reply.picture_sent = bool(getattr(getattr(backend, "record", None),
                                              "images_sent", 0))
            reply.status, reply.finish_reason = "error", "error"
            reply.error = Notice(exc.message_id, exc.params)
            if pieces:
                reply.text = "".join(pieces)
                reply.notices.append(Notice("tutor_no_answer",
                                            {"reason": exc.message(language)}))
            else:
                reply.text = exc.message(language)
                if quiet_failure:
                    reply.finish_reason = grounding.FAILED_QUIETLY
                    return
                if on_delta:
                    on_delta(reply.text)
            if save:
                save(reply.text, "error", None)
            return
        reply.text = "".join(pieces)
        reply.finish_reason = completion.finish_reason if completion else "stop"
        reply.status = "partial" if reply.finish_reason == "cancelled" else "complete"
        if not reply.text.strip() and reply.status == "complete":
            # The model had nothing usable to say (a small model reciting its prompt is
            # cut off by the engine's echo guard): say so, and point to the textbook.
            reply.notices.append(Notice("model_weak_answer"))
        if completion:
            reply.picture_sent = completion.images_sent > 0
            reply.prompt_tokens = completion.prompt_tokens
            reply.completion_tokens = completion.completion_tokens
            # A router reports who really answered, and why it was not the first choice.
            reply.backend = completion.backend or reply.backend
            reply.model = completion.model or reply.model
            if completion.notice_id:
                reply.notices.append(Notice(completion.notice_id,
                                            dict(completion.notice_params)))
        unsafe = self.safety.check_answer(reply.text)
        if unsafe is not None:  # the model's own text is never shown when it is unsafe
            reply.text, reply.status = tr("safety_answer_replaced", language), "refused"
            reply.backend, reply.safety = SAFETY_BACKEND, unsafe.as_dict()
            completion = replace(completion or Completion("stop", 0, 0), backend=SAFETY_BACKEND)
        if save:
            save(reply.text, "complete" if unsafe else reply.status, completion)


def _as_chat(messages: Sequence[Message]) -> list[ChatMessage]:
    """Stored messages as model turns: errors left out, refused questions and their
    refusals left out (the model never sees unsafe requests)."""
    result: list[ChatMessage] = []
    for message in messages:
        if message.role == "assistant" and message.backend == SAFETY_BACKEND:
            if result and result[-1].role == "user":
                result.pop()
            continue
        if message.status == "error" or message.role not in ("user", "assistant"):
            continue
        if message.role == "assistant" and not message.content:
            continue
        result.append(ChatMessage("user" if message.role == "user" else "assistant",
                                  message.content))
    return result


def _require_active(session: Session) -> None:
    """An idle session is over: the next person at a shared PC must not continue it."""
    if session.expired:
        raise SessionExpired()
    session.touch()
