// Widget texts. A host page overrides any of them with data-strings='{"title":"…"}' or picks a
// built-in language with data-lang. Placeholders: {name}, {n}, {total}, {wait}, {dept}.
export const en = {
  launcherOpen: "Chat with us",
  launcherClose: "Close chat",
  title: "Support",
  subtitle: "We usually reply in a few minutes",
  connecting: "Connecting…",
  offlineBanner: "You are offline. Messages will be sent when the connection is back.",
  reconnecting: "Reconnecting…",
  name: "Your name",
  email: "Email",
  emailOptional: "Email (optional)",
  department: "Department",
  question: "How can we help?",
  startChat: "Start chat",
  required: "Please fill in this field.",
  noAgents: "No one is online in {dept} right now. Leave us a message and we will get back to you by email.",
  waitAnyway: "Wait in the queue instead",
  leaveMessage: "Leave a message",
  message: "Message",
  sendOffline: "Send message",
  offlineThanks: "Thanks! We received your message and will reply by email.",
  queuePosition: "You are number {n} of {total} in the queue.",
  queueWait: "Estimated wait: {wait}.",
  queueNoAgents: "No agent is online yet; you keep your place in the queue.",
  lessThanMinute: "less than a minute",
  minutes: "about {n} min",
  waitingForAgent: "Waiting for an agent…",
  agentJoined: "{name} joined the chat",
  transferred: "You were transferred to {name}",
  requeued: "Finding another agent for you…",
  chatEnded: "The chat has ended",
  agentAway: "{name} lost the connection. Please wait, they usually come back within {n} s.",
  agentBack: "{name} is back.",
  typing: "{name} is typing…",
  composer: "Type your message",
  send: "Send",
  you: "You",
  agent: "Agent",
  queued: "Waiting to send",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
  failed: "Not sent",
  endChat: "End chat",
  endChatConfirm: "Click again to end the chat",
  rateTitle: "How was your chat?",
  rating: "Rating",
  stars: "{n} of 5",
  comment: "Comment (optional)",
  submitRating: "Send rating",
  ratingThanks: "Thank you for your feedback!",
  download: "Download transcript",
  newChat: "Start a new chat",
  minimize: "Minimize chat",
  newMessage: "New message from {name}",
} as const;

export type Strings = { [K in keyof typeof en]: string };

const fr: Partial<Strings> = {
  launcherOpen: "Discuter avec nous",
  title: "Assistance",
  subtitle: "Nous répondons en général en quelques minutes",
  name: "Votre nom",
  emailOptional: "E-mail (facultatif)",
  department: "Service",
  question: "Comment pouvons-nous aider ?",
  startChat: "Démarrer la discussion",
  queuePosition: "Vous êtes numéro {n} sur {total} dans la file.",
  queueWait: "Attente estimée : {wait}.",
  composer: "Écrivez votre message",
  send: "Envoyer",
  typing: "{name} écrit…",
  endChat: "Terminer",
  rateTitle: "Comment s'est passée la discussion ?",
  submitRating: "Envoyer la note",
  download: "Télécharger la transcription",
  newChat: "Nouvelle discussion",
};

const de: Partial<Strings> = {
  launcherOpen: "Chatten Sie mit uns",
  title: "Support",
  name: "Ihr Name",
  emailOptional: "E-Mail (optional)",
  department: "Abteilung",
  question: "Wie können wir helfen?",
  startChat: "Chat starten",
  queuePosition: "Sie sind Nummer {n} von {total} in der Warteschlange.",
  queueWait: "Geschätzte Wartezeit: {wait}.",
  composer: "Nachricht eingeben",
  send: "Senden",
  typing: "{name} schreibt…",
  endChat: "Chat beenden",
  rateTitle: "Wie war der Chat?",
  submitRating: "Bewertung senden",
  download: "Verlauf herunterladen",
  newChat: "Neuer Chat",
};

const es: Partial<Strings> = {
  launcherOpen: "Chatea con nosotros",
  title: "Soporte",
  name: "Tu nombre",
  emailOptional: "Correo (opcional)",
  department: "Departamento",
  question: "¿Cómo podemos ayudarte?",
  startChat: "Iniciar chat",
  queuePosition: "Eres el número {n} de {total} en la cola.",
  queueWait: "Espera estimada: {wait}.",
  composer: "Escribe tu mensaje",
  send: "Enviar",
  typing: "{name} está escribiendo…",
  endChat: "Terminar chat",
  rateTitle: "¿Qué tal fue el chat?",
  submitRating: "Enviar valoración",
  download: "Descargar conversación",
  newChat: "Nuevo chat",
};

const languages: Record<string, Partial<Strings>> = { en, fr, de, es };

export function strings(lang: string, overrides: Partial<Strings> = {}): Strings {
  const base = languages[lang] ?? languages[lang.split("-")[0] ?? ""] ?? {};
  return { ...en, ...base, ...overrides };
}

export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}
