export default function CasesPage() {
  return null;
}
