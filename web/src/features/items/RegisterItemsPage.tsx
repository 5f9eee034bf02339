export default function RegisterItemsPage() {
  return null;
}
