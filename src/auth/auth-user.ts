export interface AuthUser {
  id: string;
  roles: string[];
}
